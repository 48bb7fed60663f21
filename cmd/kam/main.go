// Command kam is KAM, the key-account lifecycle management system: the web
// interface, the API and the command-line jobs in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"kam/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
