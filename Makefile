# The short list; .ci/run is what CI runs. PG defaults to the CI database.
PG ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

.PHONY: build run test test-postgres lint ci
build:         ; CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o bin/kam ./cmd/kam
run:           ; go run ./cmd/kam serve --demo
test:          ; go test -count=1 ./...
test-postgres: ; KAM_TEST_POSTGRES_URL='$(PG)' go test -count=1 ./...
lint:          ; @f=$$(gofmt -l .); test -z "$$f" || { echo "gofmt -w needed: $$f"; exit 1; }; go vet ./...
ci:            ; .ci/run
