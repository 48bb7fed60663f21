// Package crm is the domain of KAM: accounts, revenue, the customer pyramid and
// the rules of the method. It imports only the standard library and does no I/O,
// so a reviewer can read it like a glossary and test it without a database.
package crm
