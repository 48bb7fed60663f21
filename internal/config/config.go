// Package config reads KAM's settings from flags, falling back to KAM_*
// environment variables. There is no package-level state: Load returns a
// value that is passed down explicitly.
package config

import (
	"flag"
)

// Config holds the settings shared by the commands.
type Config struct {
	DB   string // file path, sqlite://path or postgres:// URL
	Addr string // listen address of kam serve
	Dev  bool   // read templates and static files from disk
}

// DefaultDB is the embedded database file used when nothing is set.
const DefaultDB = "kam.db"

// Bind registers the shared flags on fs with defaults from the environment.
func Bind(fs *flag.FlagSet, getenv func(string) string, c *Config) {
	def := func(key, fallback string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return fallback
	}
	fs.StringVar(&c.DB, "db", def("KAM_DB", DefaultDB), "database: a file path or sqlite://path (embedded SQLite), or a postgres:// URL (env KAM_DB)")
}

// BindServe registers the flags of kam serve.
func BindServe(fs *flag.FlagSet, getenv func(string) string, c *Config) {
	addr := getenv("KAM_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	fs.StringVar(&c.Addr, "addr", addr, "listen address (env KAM_ADDR); loopback only until sign-in exists")
	fs.BoolVar(&c.Dev, "dev", false, "read templates and static files from disk")
}
