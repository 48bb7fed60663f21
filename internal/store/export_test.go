package store

import "context"

// RevenueProducts returns the product of every revenue line in line order:
// tests check with it what the writer stored.
func (s *Store) RevenueProducts(ctx context.Context) ([]string, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT product FROM revenue_lines ORDER BY line_no`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
