package coro

import "iter"

// Generator is a lazy, synchronous, pull-driven sequence of values (coro::generator<T>), as a Go iterator: range
// over it, or pass it anywhere an iter.Seq[T] is expected. The body runs on the ranging goroutine, one value at a
// time; it may be infinite (the consumer stops by breaking out of the loop).
type Generator[T any] func(yield func(T) bool)

// NewGenerator makes a generator from body, which yields each value and stops when yield returns false.
func NewGenerator[T any](body func(yield func(T) bool)) Generator[T] { return Generator[T](body) }

// Seq returns g as an iter.Seq.
func (g Generator[T]) Seq() iter.Seq[T] { return iter.Seq[T](g) }

// Take yields at most the first n values of g (std::views::take).
func (g Generator[T]) Take(n int) Generator[T] {
	return func(yield func(T) bool) {
		if n <= 0 {
			return
		}
		i := 0
		for v := range g {
			if !yield(v) {
				return
			}
			if i++; i >= n {
				return
			}
		}
	}
}
