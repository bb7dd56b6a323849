package p

// Rule (messageset.go, objectString): a method of another package, promoted
// into the compared package's types by embedding, is named with its
// package's full path; the methods both embedded types have with the same
// signature (Lock, Unlock, TryLock) are no change.

// both
import "sync"

// old
// i Guard.RWMutex: removed
// i sync.(*RWMutex).RLock, method set of *Guard: removed
// i sync.(*RWMutex).RLocker, method set of *Guard: removed
// i sync.(*RWMutex).RUnlock, method set of *Guard: removed
// i sync.(*RWMutex).TryRLock, method set of *Guard: removed
type Guard struct{ *sync.RWMutex }

// new
// c Guard.Mutex: added
type Guard struct{ *sync.Mutex }
