// Parity scenarios 1–17 (coro::task) through package coro. A C++ resume() of a fresh task maps to Task.Start
// (runs the body until its first suspension) and is_ready() to Task.Done; an exception maps to a panic, which
// the task recovers and returns from Result as a *coro.PanicError. Task bodies record what they see; the
// assertions run afterwards on the test goroutine.
package gotest

import (
	"errors"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// valueTask returns v without suspending.
func valueTask[V any](v V) *coro.Task[V] {
	return coro.NewTask(func(*coro.T) (V, error) { return v, nil })
}

// requirePanicked asserts that err is a recovered panic whose value is an error with message msg.
func requirePanicked(t *testing.T, err error, msg string) {
	t.Helper()
	var pe *coro.PanicError
	require.ErrorAs(t, err, &pe)
	perr, ok := pe.Value.(error)
	require.True(t, ok, "panic value %v is not an error", pe.Value)
	require.EqualError(t, perr, msg)
}

func TestTask(t *testing.T) {
	t.Run("task hello world", func(t *testing.T) {
		// parity-note: "task hello world": Go has no rvalue result(); Result returns a copy, so the final check is that reading "World" out leaves the task's stored value intact instead of emptied.
		h := valueTask("Hello")
		w := valueTask("World")
		_, err := h.Result()
		require.ErrorIs(t, err, coro.ErrTaskNotDone) // result() before the task ran is an error
		_, err = w.Result()
		require.ErrorIs(t, err, coro.ErrTaskNotDone)

		require.NoError(t, h.Start())
		require.NoError(t, w.Start())
		require.True(t, h.Done())
		require.True(t, w.Done())

		wv, err := w.Result()
		require.NoError(t, err)
		require.Equal(t, "World", wv)
		hv, err := h.Result()
		require.NoError(t, err)
		require.Equal(t, "Hello", hv)
		again, _ := w.Result()
		require.Equal(t, "World", again)
	})

	t.Run("task void", func(t *testing.T) {
		task := coro.NewTask(func(*coro.T) (struct{}, error) {
			time.Sleep(10 * time.Millisecond)
			return struct{}{}, nil
		})
		require.NoError(t, task.Start())
		require.True(t, task.Done())
	})

	t.Run("task exception thrown", func(t *testing.T) {
		const msg = "I'll be reached"
		task := coro.NewTask(func(*coro.T) (string, error) {
			panic(errors.New(msg))
		})
		require.NoError(t, task.Start())
		require.True(t, task.Done())
		thrown := false
		if _, err := task.Result(); err != nil {
			thrown = true
			requirePanicked(t, err, msg)
		}
		require.True(t, thrown)
	})

	t.Run("task in a task", func(t *testing.T) {
		var got int
		var outerTID, innerTID, afterTID int
		outer := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			outerTID = tk.ThreadID()
			inner := coro.NewTask(func(tk *coro.T) (int, error) {
				innerTID = tk.ThreadID()
				return 42, nil
			})
			v, err := coro.Await(tk, inner)
			got = v
			afterTID = tk.ThreadID()
			return struct{}{}, err
		})
		require.NoError(t, outer.Start())
		require.True(t, outer.Done())
		_, err := outer.Result()
		require.NoError(t, err)
		require.Equal(t, 42, got)
		// Symmetric transfer: the whole chain ran on the thread that started it.
		require.Equal(t, outerTID, innerTID)
		require.Equal(t, outerTID, afterTID)
	})

	t.Run("task in a task in a task", func(t *testing.T) {
		var got3, got2 int
		outer := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			middle := coro.NewTask(func(tk *coro.T) (int, error) {
				v, err := coro.Await(tk, valueTask(3))
				got3 = v
				return 2, err
			})
			v, err := coro.Await(tk, middle)
			got2 = v
			return struct{}{}, err
		})
		require.NoError(t, outer.Start())
		require.True(t, outer.Done())
		_, err := outer.Result()
		require.NoError(t, err)
		require.Equal(t, 3, got3)
		require.Equal(t, 2, got2)
	})

	// suspends builds a task that suspends like co_await suspend_always / suspend_never: an unset Event
	// suspends it until the test sets it (set() resumes the waiter inline, i.e. the next resume()), an already
	// set Event does not suspend at all.
	suspends := func(t *testing.T, result int) (*coro.Task[int], []*coro.Event) {
		always := func() *coro.Event { return coro.NewEvent(false) }
		never := coro.NewEvent(true)
		events := []*coro.Event{always(), never, always(), always()}
		for _, e := range events {
			t.Cleanup(func() { e.Close() })
		}
		return coro.NewTask(func(tk *coro.T) (int, error) {
			for _, e := range events {
				if err := e.Await(tk); err != nil {
					return 0, err
				}
			}
			return result, nil
		}), []*coro.Event{events[0], events[2], events[3]}
	}

	t.Run("task multiple suspends return void", func(t *testing.T) {
		// parity-note: "task multiple suspends return void": suspend_always/suspend_never map to awaiting an unset/already-set Event, and resumes 2–4 to Event.Set, which resumes the task inline.
		task, resumes := suspends(t, 0)
		require.NoError(t, task.Start())
		require.False(t, task.Done())
		require.NoError(t, resumes[0].Set(coro.LIFO))
		require.False(t, task.Done())
		require.NoError(t, resumes[1].Set(coro.LIFO))
		require.False(t, task.Done())
		require.NoError(t, resumes[2].Set(coro.LIFO))
		require.True(t, task.Done())
	})

	t.Run("task multiple suspends return integer", func(t *testing.T) {
		// parity-note: "task multiple suspends return integer": suspend_always/suspend_never map to awaiting an unset/already-set Event, and resumes 2–4 to Event.Set, which resumes the task inline.
		task, resumes := suspends(t, 11)
		require.NoError(t, task.Start())
		require.False(t, task.Done())
		require.NoError(t, resumes[0].Set(coro.LIFO))
		require.False(t, task.Done())
		require.NoError(t, resumes[1].Set(coro.LIFO))
		require.False(t, task.Done())
		require.NoError(t, resumes[2].Set(coro.LIFO))
		require.True(t, task.Done())
		v, err := task.Result()
		require.NoError(t, err)
		require.Equal(t, 11, v)
	})

	t.Run("task resume from promise to coroutine handles of different types", func(t *testing.T) {
		// parity-note: "task resume from promise to coroutine handles of different types": type-erased coroutine_handle<> maps to a slice of one Go interface holding a Task[int] and a Task[struct{}], started through it.
		type resumable interface {
			Start() error
			Done() bool
		}
		t1 := valueTask(42)
		t2 := valueTask(struct{}{})
		handles := []resumable{t1, t2}
		for _, h := range handles {
			require.NoError(t, h.Start())
		}
		require.True(t, t1.Done())
		require.True(t, t2.Done())
		for _, h := range handles {
			require.True(t, h.Done())
		}
		v, err := t1.Result()
		require.NoError(t, err)
		require.Equal(t, 42, v)
	})

	t.Run("task throws void", func(t *testing.T) {
		task := coro.NewTask(func(*coro.T) (struct{}, error) {
			panic(errors.New("I always throw."))
		})
		require.NotPanics(t, func() { require.NoError(t, task.Start()) })
		require.True(t, task.Done())
		_, err := task.Result()
		requirePanicked(t, err, "I always throw.")
	})

	t.Run("task throws non-void l-value", func(t *testing.T) {
		task := coro.NewTask(func(*coro.T) (int, error) {
			panic(errors.New("I always throw."))
		})
		require.NotPanics(t, func() { require.NoError(t, task.Start()) })
		require.True(t, task.Done())
		_, err := task.Result()
		requirePanicked(t, err, "I always throw.")
	})

	t.Run("task throws non-void r-value", func(t *testing.T) {
		type typ struct{ a int }
		always := true
		task := coro.NewTask(func(*coro.T) (typ, error) {
			value := typ{a: 42}
			if always {
				panic(errors.New("I always throw."))
			}
			return value, nil
		})
		require.NotPanics(t, func() { require.NoError(t, task.Start()) })
		require.True(t, task.Done())
		_, err := task.Result()
		requirePanicked(t, err, "I always throw.")
	})

	type typ struct{ a int }

	t.Run("const task returning a reference", func(t *testing.T) {
		// parity-note: "const task returning a reference": Go has no references; a Task[*T] returns the very same pointer (address equality), which is what task<const T&> guarantees.
		obj := &typ{a: 42}
		task := coro.NewTask(func(*coro.T) (*typ, error) { return obj, nil })
		require.NoError(t, task.Start())
		require.True(t, task.Done())
		r, err := task.Result()
		require.NoError(t, err)
		require.Same(t, obj, r)
		require.Equal(t, 42, r.a)
	})

	t.Run("mutable task returning a reference", func(t *testing.T) {
		// parity-note: "mutable task returning a reference": Go has no references; a Task[*T] returns the very same pointer, and writing through it changes the original object.
		obj := &typ{a: 42}
		task := coro.NewTask(func(*coro.T) (*typ, error) { return obj, nil })
		require.NoError(t, task.Start())
		require.True(t, task.Done())
		r, err := task.Result()
		require.NoError(t, err)
		require.Same(t, obj, r)
		require.Equal(t, 42, r.a)
		r.a = 7
		require.Equal(t, 7, obj.a)
	})

	t.Run("task doesn't require default constructor", func(t *testing.T) {
		// parity-note: "task doesn't require default constructor": every Go type has a zero value; the analogue is a task whose value type is only meaningful when built by its constructor (newOnlyInt(42)) and comes back intact.
		type onlyInt struct{ value *int }
		newOnlyInt := func(v int) onlyInt { return onlyInt{value: &v} }
		v := syncWait(t, coro.NewTask(func(*coro.T) (onlyInt, error) { return newOnlyInt(42), nil }))
		require.NotNil(t, v.value)
		require.Equal(t, 42, *v.value)
	})

	t.Run("task supports instantiation with rvalue reference", func(t *testing.T) {
		// parity-note: "task supports instantiation with rvalue reference": Go has no rvalue references; a task returning the local int it was given hands back its value (42).
		makeTask := func(i int) *coro.Task[int] {
			return coro.NewTask(func(*coro.T) (int, error) { return i, nil })
		}
		i := 42
		ret := syncWait(t, makeTask(i))
		require.Equal(t, 42, ret)
	})

	t.Run("task supports instantiation with non assignable type", func(t *testing.T) {
		// parity-note: "task supports instantiation with non assignable type": Go has no move/copy constructors to count; the analogue checks that results leave a task without copying their backing storage (slice data pointer and pointers are the task's own, for an lvalue-style second SyncWait too), plus the tuple and int& cases.
		i := 42

		// A value whose storage must not be duplicated on the way out (move-only analogue).
		var stored unsafe.Pointer
		big := coro.NewTask(func(*coro.T) ([]int, error) {
			s := make([]int, 1<<16)
			s[0] = i
			stored = unsafe.Pointer(unsafe.SliceData(s))
			return s, nil
		})
		r1 := syncWait(t, big)
		require.Equal(t, stored, unsafe.Pointer(unsafe.SliceData(r1)))
		require.Equal(t, 42, r1[0])
		// A finished task awaited again (sync_wait(t) on an lvalue) hands out the same stored value.
		r2 := syncWait(t, big)
		require.Equal(t, stored, unsafe.Pointer(unsafe.SliceData(r2)))
		require.Equal(t, 42, r2[0])

		// A type that holds a reference (move-only type holding int&): the reference survives.
		type holder struct{ ref *int }
		h := syncWait(t, coro.NewTask(func(*coro.T) (holder, error) { return holder{ref: &i}, nil }))
		require.Same(t, &i, h.ref)

		// std::tuple<int, int>.
		type pair struct{ a, b int }
		p := syncWait(t, coro.NewTask(func(*coro.T) (pair, error) { return pair{i, i * 2}, nil }))
		require.Equal(t, pair{42, 84}, p)

		// task<int&>.
		ref := syncWait(t, coro.NewTask(func(*coro.T) (*int, error) { return &i, nil }))
		require.Same(t, &i, ref)
	})

	t.Run("task promise sizeof", func(t *testing.T) {
		// parity-note: "task promise sizeof": there is no promise type in Go; the analogue checks that the Go-side Task[R] handle is bounded (at most 4 words) and the same size for every R — results live out of line, as promise storage is sized by R in C++.
		word := unsafe.Sizeof(uintptr(0))
		sizes := []uintptr{
			unsafe.Sizeof(coro.Task[struct{}]{}),
			unsafe.Sizeof(coro.Task[int32]{}),
			unsafe.Sizeof(coro.Task[int64]{}),
			unsafe.Sizeof(coro.Task[[]int64]{}),
			unsafe.Sizeof(coro.Task[[64]int64]{}),
		}
		for _, s := range sizes {
			require.GreaterOrEqual(t, s, word) // at least a reference to its state
			require.LessOrEqual(t, s, 4*word)
			require.Equal(t, sizes[0], s)
		}
	})
}
