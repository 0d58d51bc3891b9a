package main

import (
	"context"
	"fmt"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/demo"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "--size S|M|L [--seed N] --out DIR")
	size := fs.String("size", "S", "S = 100k entities and 1M payments, M = 1M and 10M, L = 10M and 100M")
	seed := fs.Int64("seed", 1, "random seed: the same seed writes the same files")
	out := fs.String("out", "", "folder to write the interchange files into")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return kamp.Errorf(kamp.EINVALID, "--out DIR is required")
	}
	start := time.Now()
	sum, err := generateDemo(ctx, e, *size, *seed, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo bank (size %s, seed %d) written to %s in %s\n", *size, *seed, *out, time.Since(start).Round(time.Millisecond))
	for _, k := range []string{demo.FileOrgUnits, "fx.csv", "entities.csv", "ownership.csv", "metrics.csv", "exposures.csv", "payments.csv"} {
		if n, ok := sum.Files[k]; ok {
			fmt.Fprintf(e.stdout, "  %-14s %10d rows\n", k, n)
		}
	}
	return nil
}

// generateDemo writes a demo bank, logging progress.
func generateDemo(ctx context.Context, e *env, size string, seed int64, out string) (demo.Summary, error) {
	last := time.Now()
	return demo.Generate(ctx, demo.Options{Size: size, Seed: seed, Out: out, Progress: func(file string, rows int64) {
		if time.Since(last) > 2*time.Second {
			last = time.Now()
			e.log.Info("generating demo bank", "file", file, "rows", rows)
		}
	}})
}
