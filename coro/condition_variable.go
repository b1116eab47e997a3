//go:build cgo

package coro

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// CVStatus is the outcome of a timed wait without predicate (std::cv_status).
type CVStatus int

const (
	// NoTimeout: a notification ended the wait.
	NoTimeout CVStatus = iota
	// Timeout: the duration passed first.
	Timeout
)

func (s CVStatus) String() string {
	if s == Timeout {
		return "timeout"
	}
	return "no_timeout"
}

// ConditionVariable lets task bodies and goroutines holding a Mutex wait until another one notifies them
// (coro::condition_variable, libcoro v0.16). Safe for concurrent use.
//
// Every wait is called with m locked by the caller: it releases m, waits, and locks m again before it returns
// (whatever it returns, except an error of m itself, such as m closed or not locked). Task bodies wait natively
// (Await, AwaitPred, AwaitFor, ...: the body is suspended on a native event and the executor thread freed);
// goroutines block in Wait and WaitPred.
//
// As in libcoro, waiters are notified most recent first and a notification with no waiter is not remembered;
// predicate waits do not suspend when the predicate holds at the call, and a notification that finds the
// predicate false is consumed while the waiter keeps waiting (so a predicate runs once at the call and once per
// notification that reached its waiter). A task body notified by NotifyOne/NotifyAll resumes inline on the
// notifying goroutine before the call returns, and then locks m natively; a timed-out one resumes on the executor
// given to AwaitFor/AwaitUntil.
//
// Differences from libcoro, because Go code evaluates the predicates: the waiter itself (not the notifier) takes
// the mutex back and evaluates its predicate, so NotifyOne and NotifyAll may be called with m held (libcoro's
// notify deadlocks then) and never block on m. The stop_token of libcoro's waits is a context.Context here: ending
// it wakes the waiter at once (libcoro looks at the token only when a notification arrives) and the wait returns
// the predicate's last value with ctx.Err().
//
// The zero value is not usable; make one with NewConditionVariable. Every method of a zero ConditionVariable
// fails with an error matching ErrInvalid (the Notify methods do nothing).
type ConditionVariable struct {
	made bool

	mu      sync.Mutex  // guards waiters and closed
	waiters []*cvWaiter // most recent last
	closed  bool
}

// NewConditionVariable makes a condition variable with no waiters.
func NewConditionVariable() *ConditionVariable { return &ConditionVariable{made: true} }

func cvErr(op string, err error) error { return &opError{Op: op, Obj: "condition_variable", Err: err} }

// How a single wait ended; a waiter's outcome is decided once (the first to claim it wins).
const (
	cvWaiting int32 = iota
	cvNotified
	cvTimedOut
	cvCancelled
	cvClosed
)

// cvWaiter is one wait in progress: a task body suspended on ev, or a goroutine blocked on ch.
type cvWaiter struct {
	outcome atomic.Int32
	ev      *Event
	ch      chan struct{}
	timerEx Executor // resumes a timed-out task body (nil: inline on the timer's goroutine)
}

// claim decides the outcome and wakes the waiter; false if it was decided already.
func (w *cvWaiter) claim(outcome int32) bool {
	if !w.outcome.CompareAndSwap(cvWaiting, outcome) {
		return false
	}
	if w.ch != nil {
		close(w.ch)
		return true
	}
	if outcome == cvTimedOut && w.timerEx != nil && w.ev.SetOn(w.timerEx, LIFO) == nil {
		return true
	}
	_ = w.ev.Set(LIFO) // cannot fail: the waiter closes ev only after it resumed
	return true
}

func (cv *ConditionVariable) push(w *cvWaiter) error {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	if cv.closed {
		return ErrClosed
	}
	cv.waiters = append(cv.waiters, w)
	return nil
}

// remove takes w off the stack if it is still there (a timed-out or cancelled wait).
func (cv *ConditionVariable) remove(w *cvWaiter) {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	for i, o := range cv.waiters {
		if o == w {
			cv.waiters = append(cv.waiters[:i], cv.waiters[i+1:]...)
			return
		}
	}
}

func (cv *ConditionVariable) pop() *cvWaiter {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	n := len(cv.waiters)
	if n == 0 {
		return nil
	}
	w := cv.waiters[n-1]
	cv.waiters[n-1] = nil
	cv.waiters = cv.waiters[:n-1]
	return w
}

func (cv *ConditionVariable) detach() []*cvWaiter {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	ws := cv.waiters
	cv.waiters = nil
	return ws
}

// NotifyOne wakes the most recent waiter, if any (co_await cv.notify_one()). A task body among them resumes inline
// on the calling goroutine until its next suspension (typically taking m back) before NotifyOne returns.
func (cv *ConditionVariable) NotifyOne() {
	if !cv.made {
		return
	}
	for w := cv.pop(); w != nil; w = cv.pop() {
		if w.claim(cvNotified) {
			return
		}
		// Timed out or cancelled in the same instant: try the next one.
	}
}

// NotifyAll wakes every current waiter, most recent first (co_await cv.notify_all()).
func (cv *ConditionVariable) NotifyAll() {
	if !cv.made {
		return
	}
	ws := cv.detach()
	for i := len(ws) - 1; i >= 0; i-- {
		ws[i].claim(cvNotified)
	}
}

// NotifyOneOn is NotifyOne run on one of ex's threads (cv.notify_one(executor): spawned, returns at once); the
// task body it wakes resumes there.
func (cv *ConditionVariable) NotifyOneOn(ex Executor) error {
	if !cv.made {
		return cvErr("notify_one", ErrInvalid)
	}
	if !validExecutor(ex) {
		return cvErr("notify_one", ErrInvalid)
	}
	if err := spawnOn(ex, cv.NotifyOne); err != nil {
		return cvErr("notify_one", err)
	}
	return nil
}

// NotifyAllOn detaches every current waiter now and wakes each from a function of its own spawned on ex
// (cv.notify_all(executor)), so task bodies resume in parallel on ex's threads. A waiter ex refuses (closed) is
// woken on the calling goroutine instead, and the error matches ErrClosed.
func (cv *ConditionVariable) NotifyAllOn(ex Executor) error {
	if !cv.made {
		return cvErr("notify_all", ErrInvalid)
	}
	if !validExecutor(ex) {
		return cvErr("notify_all", ErrInvalid)
	}
	var err error
	ws := cv.detach()
	for i := len(ws) - 1; i >= 0; i-- {
		w := ws[i]
		if e := spawnOn(ex, func() { w.claim(cvNotified) }); e != nil {
			w.claim(cvNotified)
			err = cvErr("notify_all", e)
		}
	}
	return err
}

// waitSpec is one wait's options: a timeout (0: none), the executor resuming a timed-out body, a context.
type waitSpec struct {
	d   time.Duration
	ex  Executor
	ctx context.Context
}

// once performs one wait of a task body (t != nil) or goroutine: queue, release m, wait, take m back. It returns
// the outcome, or an error of the condition variable or of m.
func (cv *ConditionVariable) once(t *T, m *Mutex, spec waitSpec) (int32, error) {
	w := &cvWaiter{timerEx: spec.ex}
	if t != nil {
		w.ev = NewEvent(false)
		defer w.ev.Close()
	} else {
		w.ch = make(chan struct{})
	}
	if err := cv.push(w); err != nil {
		return 0, cvErr("wait", err)
	}
	if err := m.Unlock(); err != nil {
		// Not holding m (or m closed): the wait cannot happen.
		cv.remove(w)
		w.outcome.Store(cvCancelled)
		return 0, err
	}
	if spec.d > 0 {
		timer := time.AfterFunc(spec.d, func() {
			cv.remove(w)
			w.claim(cvTimedOut)
		})
		defer timer.Stop()
	}
	if spec.ctx != nil && spec.ctx.Done() != nil {
		stop := context.AfterFunc(spec.ctx, func() {
			cv.remove(w)
			w.claim(cvCancelled)
		})
		defer stop()
	}
	if t != nil {
		_ = w.ev.Await(t) // the event is closed only by this function
	} else {
		<-w.ch
	}
	var err error
	if t != nil {
		err = m.AwaitLock(t)
	} else {
		err = m.Lock(context.Background()) // a wait returns holding m, whatever ended it
	}
	if err != nil {
		return 0, err
	}
	outcome := w.outcome.Load()
	if outcome == cvClosed {
		return outcome, cvErr("wait", ErrClosed)
	}
	return outcome, nil
}

// predLoop waits until pred holds, ctx ends or the wait times out; it returns pred's last value.
func (cv *ConditionVariable) predLoop(t *T, m *Mutex, spec waitSpec, pred func() bool) (bool, error) {
	if !cv.made {
		return false, cvErr("wait", ErrInvalid)
	}
	if pred == nil {
		return false, cvErr("wait", ErrInvalid)
	}
	if pred() {
		return true, nil
	}
	var deadline time.Time
	if spec.d > 0 {
		deadline = time.Now().Add(spec.d)
	}
	for {
		if spec.d > 0 {
			// A notification that found the predicate false does not restart the clock.
			if spec.d = time.Until(deadline); spec.d <= 0 {
				spec.d = time.Nanosecond
			}
		}
		outcome, err := cv.once(t, m, spec)
		if err != nil {
			return false, err
		}
		if pred() {
			return true, nil
		}
		switch outcome {
		case cvTimedOut:
			return false, nil
		case cvCancelled:
			return false, spec.ctx.Err()
		}
	}
}

func (cv *ConditionVariable) checkAwait(t *T, m *Mutex) error {
	if err := t.check(); err != nil {
		return err
	}
	if !cv.made || m == nil {
		return cvErr("wait", ErrInvalid)
	}
	return nil
}

// Await releases m, suspends the task body until a notification and locks m again (co_await cv.wait(lock)).
func (cv *ConditionVariable) Await(t *T, m *Mutex) error {
	if err := cv.checkAwait(t, m); err != nil {
		return err
	}
	_, err := cv.once(t, m, waitSpec{})
	return err
}

// AwaitPred waits like Await until pred holds (co_await cv.wait(lock, pred); with ctx, cv.wait(lock, stop_token,
// pred)): it does not suspend if pred holds now, and a notification that finds pred false is consumed. pred runs
// with m held. It returns true once pred holds, or pred's last value with ctx.Err() when ctx ends first
// (context.Background() for none).
func (cv *ConditionVariable) AwaitPred(t *T, ctx context.Context, m *Mutex, pred func() bool) (bool, error) {
	if err := cv.checkAwait(t, m); err != nil {
		return false, err
	}
	return cv.predLoop(t, m, waitSpec{ctx: ctx}, pred)
}

// AwaitFor waits like Await for at most d (co_await cv.wait_for(executor, lock, d)): NoTimeout if a notification
// came first; Timeout otherwise, and the body then resumes on one of ex's threads (the executor that ran
// libcoro's timer). In both cases m is held again.
func (cv *ConditionVariable) AwaitFor(t *T, ex Executor, m *Mutex, d time.Duration) (CVStatus, error) {
	if err := cv.checkAwait(t, m); err != nil {
		return NoTimeout, err
	}
	if !validExecutor(ex) {
		return NoTimeout, cvErr("wait_for", ErrInvalid)
	}
	outcome, err := cv.once(t, m, waitSpec{d: max(d, time.Nanosecond), ex: ex})
	if outcome == cvTimedOut {
		return Timeout, err
	}
	return NoTimeout, err
}

// AwaitUntil is AwaitFor until deadline (a deadline not in the future waits 1ns, as libcoro does).
func (cv *ConditionVariable) AwaitUntil(t *T, ex Executor, m *Mutex, deadline time.Time) (CVStatus, error) {
	return cv.AwaitFor(t, ex, m, time.Until(deadline))
}

// AwaitForPred is AwaitPred for at most d (cv.wait_for(executor, lock, [stop_token,] d, pred)): true once pred
// holds; after d, pred's value then (normally false) with a nil error.
func (cv *ConditionVariable) AwaitForPred(t *T, ctx context.Context, ex Executor, m *Mutex, d time.Duration, pred func() bool) (bool, error) {
	if err := cv.checkAwait(t, m); err != nil {
		return false, err
	}
	if !validExecutor(ex) {
		return false, cvErr("wait_for", ErrInvalid)
	}
	return cv.predLoop(t, m, waitSpec{d: max(d, time.Nanosecond), ex: ex, ctx: ctx}, pred)
}

// AwaitUntilPred is AwaitForPred until deadline.
func (cv *ConditionVariable) AwaitUntilPred(t *T, ctx context.Context, ex Executor, m *Mutex, deadline time.Time, pred func() bool) (bool, error) {
	return cv.AwaitForPred(t, ctx, ex, m, time.Until(deadline), pred)
}

// Wait releases m, blocks the calling goroutine until a notification or the end of ctx (then ctx.Err()), and
// locks m again before it returns. Time limits come from ctx (context.WithTimeout).
func (cv *ConditionVariable) Wait(ctx context.Context, m *Mutex) error {
	if !cv.made || m == nil {
		return cvErr("wait", ErrInvalid)
	}
	outcome, err := cv.once(nil, m, waitSpec{ctx: ctx})
	if err == nil && outcome == cvCancelled {
		return ctx.Err()
	}
	return err
}

// WaitPred is Wait until pred holds (pred runs with m held): true once it does, or pred's last value with
// ctx.Err() when ctx ends first. It does not block if pred holds now.
func (cv *ConditionVariable) WaitPred(ctx context.Context, m *Mutex, pred func() bool) (bool, error) {
	if m == nil {
		return false, cvErr("wait", ErrInvalid)
	}
	return cv.predLoop(nil, m, waitSpec{ctx: ctx}, pred)
}

// Close wakes every waiter (each locks m again and gets ErrClosed); later waits fail with ErrClosed at once and
// notifications do nothing. Later Close calls do nothing.
func (cv *ConditionVariable) Close() error {
	if !cv.made {
		return cvErr("close", ErrInvalid)
	}
	cv.mu.Lock()
	cv.closed = true
	ws := cv.waiters
	cv.waiters = nil
	cv.mu.Unlock()
	for i := len(ws) - 1; i >= 0; i-- {
		ws[i].claim(cvClosed)
	}
	return nil
}
