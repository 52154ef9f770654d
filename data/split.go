package data

import (
	"math/rand"
	"sort"
)

// splitIndices draws a seeded permutation of 0..n-1; its first nVal
// entries are the validation rows, the rest the training rows. Both lists
// come back sorted, so rows keep their original order.
func splitIndices(n, nVal int, seed int64) (val, train []int) {
	perm := rand.New(rand.NewSource(seed)).Perm(n)
	val = append([]int(nil), perm[:nVal]...)
	train = append([]int(nil), perm[nVal:]...)
	sort.Ints(val)
	sort.Ints(train)
	return val, train
}
