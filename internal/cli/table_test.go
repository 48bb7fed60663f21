package cli

import (
	"bytes"
	"fmt"
	"testing"
)

func TestTable(t *testing.T) {
	for _, tc := range []struct {
		right bool
		in    string
		want  string
	}{
		// A Chinese character takes two columns.
		{false, "层级\tA\n客户数占比\tB\n", "层级        A\n客户数占比  B\n"},
		{true, "层级\t40\t\nTier\t4695\t\n", "  层级    40\n  Tier  4695\n"},
		// The text after the last tab is not aligned.
		{false, "ID\tName\n12\t宜宾翠屏银饰店\n", "ID  Name\n12  宜宾翠屏银饰店\n"},
	} {
		var b bytes.Buffer
		tw := newTable(&b, tc.right)
		fmt.Fprint(tw, tc.in)
		if err := tw.Flush(); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("table(right %v) of %q =\n%q, want\n%q", tc.right, tc.in, b.String(), tc.want)
		}
	}
}
