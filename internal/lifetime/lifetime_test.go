package lifetime

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestZeroValueRefusesEverything(t *testing.T) {
	var l Lifetime
	require.False(t, l.Valid())
	require.False(t, l.Enter())
	require.False(t, l.Close())
	l.Wait() // returns at once
}

func TestCloseWithoutReferencesFreesAtOnce(t *testing.T) {
	var freed atomic.Int32
	var l Lifetime
	l.Init(func() { freed.Add(1) })
	require.True(t, l.Close())
	require.False(t, l.Close(), "a second Close")
	require.EqualValues(t, 1, freed.Load())
	l.Wait()
	select {
	case <-l.Closing():
	default:
		t.Fatal("Closing not closed")
	}
	require.False(t, l.Enter())
}

func TestLastReferenceFreesAndWakesWait(t *testing.T) {
	var freed atomic.Int32
	var l Lifetime
	l.Init(func() { freed.Add(1) })
	require.True(t, l.Enter())
	require.True(t, l.Close())
	require.Zero(t, freed.Load(), "freed while referenced")
	waited := make(chan struct{})
	go func() { l.Wait(); close(waited) }()
	select {
	case <-waited:
		t.Fatal("Wait returned while a reference is held")
	case <-time.After(20 * time.Millisecond):
	}
	l.Exit()
	<-waited
	require.EqualValues(t, 1, freed.Load())
}

// Shared tells a holder whether anyone else holds a reference; after Close its "no" means the holder's Exit frees.
func TestShared(t *testing.T) {
	var freed atomic.Int32
	var l Lifetime
	l.Init(func() { freed.Add(1) })
	require.True(t, l.Enter())
	require.False(t, l.Shared())
	require.True(t, l.Enter())
	require.True(t, l.Shared())
	require.True(t, l.Close())
	require.True(t, l.Shared(), "the closed bit is not a reference")
	l.Exit()
	require.False(t, l.Shared())
	require.Zero(t, freed.Load())
	l.Exit()
	require.EqualValues(t, 1, freed.Load())
}

func TestInitClosed(t *testing.T) {
	var l Lifetime
	l.InitClosed()
	require.True(t, l.Valid())
	require.True(t, l.Closed())
	require.False(t, l.Enter())
	require.False(t, l.Close())
	l.Wait()
}

// Many goroutines take and drop references while Close runs: free runs exactly once, after the last reference,
// and no reference is granted after Close.
func TestStormFreesOnceAfterLastReference(t *testing.T) {
	for range 200 {
		var inside, freed atomic.Int32
		var l Lifetime
		l.Init(func() {
			if inside.Load() != 0 {
				panic("freed while referenced")
			}
			freed.Add(1)
		})
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for l.Enter() {
					inside.Add(1)
					inside.Add(-1)
					l.Exit()
				}
			}()
		}
		l.Close()
		wg.Wait()
		l.Wait()
		require.EqualValues(t, 1, freed.Load())
	}
}
