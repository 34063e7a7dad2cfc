package render

import (
	"slices"
	"testing"
)

func TestAllot(t *testing.T) {
	tests := []struct {
		name           string
		room           int
		sizes, weights []int
		want           []int
	}{
		{"everything fits", 1000, []int{100, 200, 300}, []int{2, 1, 1}, []int{100, 200, 300}},
		{"all long: shares by weight", 1000, []int{5000, 5000, 5000}, []int{2, 1, 1}, []int{500, 250, 250}},
		{"a short one gives its rest to the others", 1000, []int{5000, 100, 5000}, []int{2, 1, 1}, []int{600, 100, 300}},
		{"an empty section takes nothing", 900, []int{5000, 0, 5000}, []int{1, 1, 1}, []int{450, 0, 450}},
		{"no room", -5, []int{10, 10}, []int{1, 1}, []int{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := allot(tt.room, tt.sizes, tt.weights)
			if !slices.Equal(got, tt.want) {
				t.Errorf("allot(%d, %v, %v) = %v, want %v", tt.room, tt.sizes, tt.weights, got, tt.want)
			}
			sum := 0
			for _, g := range got {
				sum += g
			}
			if sum > max(tt.room, 0) {
				t.Errorf("allotted %d bytes of %d", sum, tt.room)
			}
		})
	}
}
