package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"kam/internal/app"
	"kam/internal/config"
	"kam/internal/crm"
	"kam/internal/store"
)

// runUser: kam user create|list|password.
func runUser(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return usagef("want a subcommand: create, list or password")
	}
	sub, args := args[0], args[1:]
	var cfg config.Config
	fs := newFlags("user "+sub, env, &cfg)
	email := fs.String("email", "", "the person's e-mail address (the sign-in name)")
	name := fs.String("name", "", "the person's name")
	admin := fs.Bool("admin", false, "create an administrator")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, done, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	switch sub {
	case "create":
		if !*admin {
			return usagef("kam user create makes administrators (--admin); add other people in the web page, the API or kam import people")
		}
		if *email == "" || *name == "" {
			return usagef("--email and --name are required")
		}
		password, err := readPassword(env, *fromStdin)
		if err != nil {
			return err
		}
		p, err := a.CreateAdmin(ctx, crm.Person{Name: *name, Email: *email}, password, false)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "created administrator %s <%s> (id %d)\n", p.Name, p.Email, p.ID)
		return nil
	case "list":
		people, err := a.People(ctx, store.PeopleFilter{})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tE-MAIL\tROLE\tSCOPE\tACTIVE")
		for _, p := range people {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%v\n", p.ID, p.Name, p.Email, p.Role, p.Scope, p.Active)
		}
		return tw.Flush()
	case "password":
		if *email == "" {
			return usagef("--email is required")
		}
		p, err := a.Store().PersonByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("no person with the e-mail address %s", crm.NormalizeEmail(*email))
		}
		password, err := readPassword(env, *fromStdin)
		if err != nil {
			return err
		}
		if err := a.SetPassword(ctx, p.ID, "", password); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "password of %s set; their other sessions are signed out\n", p.Email)
		return nil
	}
	return usagef("unknown subcommand %q: want create, list or password", sub)
}

// readPassword reads a password from standard input: the first line with
// --password-stdin, or typed twice without echo at a terminal.
func readPassword(env Env, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", usagef("--password-stdin: no password on standard input")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usagef("give the password with --password-stdin, or run at a terminal to type it")
	}
	fmt.Fprint(env.Stderr, "Password: ")
	p1, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(env.Stderr, "Password again: ")
	p2, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", err
	}
	if string(p1) != string(p2) {
		return "", fmt.Errorf("the two passwords differ")
	}
	return string(p1), nil
}

// importPeople: kam import people FILE — departments, teams and people.
func importPeople(ctx context.Context, env Env, cfg config.Config, path, sheet string, dryRun bool) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	a, done, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	res, err := a.ImportPeople(ctx, path, sheet, dryRun)
	for _, p := range res.Problems {
		fmt.Fprintf(env.Stderr, "row %d, column %q: %s %s\n", p.Row, p.Column, messageEN(p.Key), strconv.Quote(p.Value))
	}
	if err != nil {
		if errors.Is(err, app.ErrPeopleFile) {
			return fmt.Errorf("%d problem(s) in %s; nothing was imported", len(res.Problems), filepath.Base(path))
		}
		return err
	}
	verb := "imported"
	if dryRun {
		verb = "dry run: would import"
	}
	fmt.Fprintf(env.Stdout, "%s %d people (%d new, %d updated), %d new departments, %d new teams\n",
		verb, res.Rows, res.Created, res.Updated, res.Departments, res.Teams)
	return nil
}
