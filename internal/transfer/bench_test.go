package transfer

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

const benchLines = 200_000

// writeRevenueCSV writes a revenue file like an ERP export: code, name, date,
// amount, class, product, with Chinese text in every line.
func writeRevenueCSV(b *testing.B, gb bool) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), "revenue.csv")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	var w io.Writer = f
	var tw *transform.Writer
	if gb {
		tw = transform.NewWriter(f, simplifiedchinese.GB18030.NewEncoder())
		w = tw
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("客户编号,客户名称,日期,金额,类别,产品\n")
	buf := make([]byte, 0, 128)
	for i := 1; i < benchLines; i++ {
		buf = buf[:0]
		buf = append(buf, 'C')
		buf = strconv.AppendInt(buf, int64(100000+i%5000), 10)
		buf = append(buf, ",上海某某贸易有限公司,2024-"...)
		m := i%12 + 1
		if m < 10 {
			buf = append(buf, '0')
		}
		buf = strconv.AppendInt(buf, int64(m), 10)
		buf = append(buf, "-15,\""...)
		buf = strconv.AppendInt(buf, int64(i%90000+1000), 10)
		buf = append(buf, ".50\",产品,工业润滑油 18L\n"...)
		bw.Write(buf)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if tw != nil {
		if err := tw.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkCSVRevenue measures what an import does per line before the
// database: read, decode, split, and parse the date and the amount.
func BenchmarkCSVRevenue(b *testing.B) {
	for _, tc := range []struct {
		name string
		gb   bool
	}{{"UTF-8", false}, {"GB18030", true}} {
		b.Run(tc.name, func(b *testing.B) {
			p := writeRevenueCSV(b, tc.gb)
			st, _ := os.Stat(p)
			b.SetBytes(st.Size())
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				tb, err := Open(p, OpenOptions{})
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				var sum int64
				for {
					row, _, err := tb.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					d, err := ParseDate(row[2])
					if err != nil {
						b.Fatal(err)
					}
					m, err := ParseAmount(row[3])
					if err != nil {
						b.Fatal(err)
					}
					sum += int64(m) + int64(d&1)
					n++
				}
				tb.Close()
				if n != benchLines-1 {
					b.Fatalf("read %d lines, want %d", n, benchLines-1)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchLines), "ns/line")
		})
	}
}

func BenchmarkParseAmount(b *testing.B) {
	for b.Loop() {
		ParseAmount("1,234.56")
	}
}

func BenchmarkParseDate(b *testing.B) {
	for b.Loop() {
		ParseDate("2024-03-01")
	}
}
