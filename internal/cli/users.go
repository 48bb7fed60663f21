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

	"golang.org/x/term"

	"kam/internal/app"
	"kam/internal/config"
	"kam/internal/crm"
	"kam/internal/store"
)

// runUser: kam user create|list|password.
func runUser(ctx context.Context, env Env, args []string) error {
	p := env.p
	if len(args) == 0 {
		return usagef("cli.user.want")
	}
	sub, args := args[0], args[1:]
	var cfg config.Config
	fs := newFlags("user "+sub, env, &cfg)
	email := fs.String("email", "", p.T("cli.flag.user.email"))
	name := fs.String("name", "", p.T("cli.flag.user.name"))
	admin := fs.Bool("admin", false, p.T("cli.flag.user.admin"))
	fromStdin := fs.Bool("password-stdin", false, p.T("cli.flag.user.password_stdin"))
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
			return usagef("cli.user.admin_only")
		}
		if *email == "" || *name == "" {
			return usagef("cli.user.email_name_required")
		}
		password, err := readPassword(env, *fromStdin)
		if err != nil {
			return err
		}
		person, err := a.CreateAdmin(ctx, crm.Person{Name: *name, Email: *email}, password, false)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, p.T("cli.user.created", person.Name, person.Email, person.ID))
		return nil
	case "list":
		people, err := a.People(ctx, store.PeopleFilter{})
		if err != nil {
			return err
		}
		tw := newTable(env.Stdout, false)
		fmt.Fprintln(tw, columns(p, "cli.user.id", "person.name", "person.email", "person.role", "person.scope", "person.active"))
		for _, x := range people {
			active := p.T("common.no")
			if x.Active {
				active = p.T("common.yes")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.Name, x.Email, p.T("role."+x.Role), p.T("scope."+x.Scope), active)
		}
		return tw.Flush()
	case "password":
		if *email == "" {
			return usagef("cli.user.email_required")
		}
		person, err := a.Store().PersonByEmail(ctx, *email)
		if err != nil {
			return errorf("cli.user.no_person", crm.NormalizeEmail(*email))
		}
		password, err := readPassword(env, *fromStdin)
		if err != nil {
			return err
		}
		if err := a.SetPassword(ctx, person.ID, "", password); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, p.T("cli.user.password_set", person.Email))
		return nil
	}
	return usagef("cli.user.unknown", sub)
}

// readPassword reads a password from standard input: the first line with
// --password-stdin, or typed twice without echo at a terminal.
func readPassword(env Env, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", usagef("cli.user.no_stdin_password")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usagef("cli.user.no_terminal")
	}
	fmt.Fprint(env.Stderr, env.p.T("cli.user.password")+" ")
	p1, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(env.Stderr, env.p.T("cli.user.password_again")+" ")
	p2, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", err
	}
	if string(p1) != string(p2) {
		return "", errorf("cli.user.passwords_differ")
	}
	return string(p1), nil
}

// importPeople: kam import people FILE — departments, teams and people.
func importPeople(ctx context.Context, env Env, cfg config.Config, path, sheet string, dryRun bool) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	a, done, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	p := env.p
	res, err := a.ImportPeople(ctx, path, sheet, dryRun)
	for _, pr := range res.Problems {
		fmt.Fprintln(env.Stderr, p.T("cli.people.problem", pr.Row, pr.Column, p.T(pr.Key), strconv.Quote(pr.Value)))
	}
	if err != nil {
		if errors.Is(err, app.ErrPeopleFile) {
			return errorf("cli.people.failed", len(res.Problems), filepath.Base(path))
		}
		return err
	}
	key := "cli.people.done"
	if dryRun {
		key = "cli.people.would"
	}
	fmt.Fprintln(env.Stdout, p.T(key, res.Rows, res.Created, res.Updated, res.Departments, res.Teams))
	return nil
}
