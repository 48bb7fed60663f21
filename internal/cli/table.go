package cli

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/text/width"
)

// table aligns tab-separated cells as text/tabwriter does (padding 2, cells
// ended by a tab are aligned, the text after a line's last tab is not), but
// counts widths in terminal columns: a Chinese character takes two, which
// tabwriter, counting runes, does not know. Write buffers; Flush writes.
type table struct {
	w     io.Writer
	right bool // align cells to the right, as tabwriter.AlignRight
	buf   bytes.Buffer
}

func newTable(w io.Writer, alignRight bool) *table { return &table{w: w, right: alignRight} }

func (t *table) Write(b []byte) (int, error) { return t.buf.Write(b) }

// Flush writes the table; it may be written again afterwards.
func (t *table) Flush() error {
	text := strings.TrimSuffix(t.buf.String(), "\n")
	t.buf.Reset()
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	var widths []int
	rows := make([][]string, len(lines))
	for i, line := range lines {
		rows[i] = strings.Split(line, "\t")
		for j, cell := range rows[i][:len(rows[i])-1] {
			if j == len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], displayWidth(cell))
		}
	}
	var out strings.Builder
	for _, row := range rows {
		last := len(row) - 1
		for j, cell := range row[:last] {
			pad := strings.Repeat(" ", widths[j]+2-displayWidth(cell))
			if t.right {
				out.WriteString(pad + cell)
			} else {
				out.WriteString(cell + pad)
			}
		}
		out.WriteString(row[last])
		out.WriteByte('\n')
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}

// displayWidth is the number of terminal columns s takes.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
