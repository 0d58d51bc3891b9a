package dataset

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
)

// Kinds of interchange file, by their base name without the suffix.
const (
	KindEntities  = "entities"
	KindOwnership = "ownership"
	KindExposures = "exposures"
	KindFX        = "fx"
)

// suffixes are the forms an interchange file may take, in the order Find
// names them.
var suffixes = []string{".csv", ".csv.gz", ".xlsx"}

// Options tunes a load. The zero value is ready to use.
type Options struct {
	// Workers is the number of goroutines that parse a file; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// MaxProblems is how many problems of a file are listed in a
	// *ProblemError (all are counted); 0 means DefaultMaxProblems.
	MaxProblems int
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MaxProblems <= 0 {
		o.MaxProblems = DefaultMaxProblems
	}
	return o
}

// Find returns the path of the interchange file of a kind in dir: kind.csv,
// kind.csv.gz or kind.xlsx, the name compared case-insensitively. It returns
// "" when there is none, and an EINVALID error when there are two (which one
// to read would be a guess).
func Find(dir, kind string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", kamp.Errorf(kamp.EINVALID, "cannot read the folder %s: %v", dir, cause(err))
	}
	var found []string
	for _, e := range ents {
		name := strings.ToLower(e.Name())
		for _, s := range suffixes {
			if name == kind+s && !e.IsDir() {
				found = append(found, e.Name())
			}
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return filepath.Join(dir, found[0]), nil
	}
	return "", kamp.Errorf(kamp.EINVALID, "%s holds both %s and %s: keep one of them", dir, found[0], found[1])
}

// Data is what the control engine reads from a folder of interchange files.
type Data struct {
	// Entities are the rows of entities.csv.
	Entities *Entities
	// Edges are the rows of ownership.csv, in file order.
	Edges []control.Edge
	// FX holds the rates of fx.csv; nil when the folder has none.
	FX *FX
	// Exposures are the sums of exposures.csv; nil when the folder has none.
	Exposures *Exposures
	// Files are the paths read, in the order entities, ownership, fx,
	// exposures (those present).
	Files []string
}

// ControlInput returns the control engine's input: the entities' ids and
// state flags, and the ownership edges.
func (d *Data) ControlInput() control.Input {
	return control.Input{IDs: d.Entities.IDs, State: d.Entities.State, Edges: d.Edges}
}

// GroupsFiles are the paths of the files `kamp groups` reads from a folder.
type GroupsFiles struct {
	Entities, Ownership string // always found
	FX, Exposures       string // "" when absent
}

// FindGroupsFiles finds in dir the files `kamp groups` reads:
// entities.csv and ownership.csv, which must be there, and fx.csv and
// exposures.csv, when present (each as .csv, .csv.gz or .xlsx).
func FindGroupsFiles(dir string) (GroupsFiles, error) {
	var f GroupsFiles
	for _, k := range []struct {
		kind     string
		path     *string
		required bool
	}{
		{KindEntities, &f.Entities, true},
		{KindOwnership, &f.Ownership, true},
		{KindFX, &f.FX, false},
		{KindExposures, &f.Exposures, false},
	} {
		p, err := Find(dir, k.kind)
		if err != nil {
			return GroupsFiles{}, err
		}
		if p == "" && k.required {
			return GroupsFiles{}, kamp.Errorf(kamp.EINVALID, "%s: no %s.csv (or .csv.gz, .xlsx) in the folder", dir, k.kind)
		}
		*k.path = p
	}
	return f, nil
}

// LoadGroups reads what `kamp groups` needs from the folder dir (see
// FindGroupsFiles). Entities and fx are read first, then ownership and
// exposures at the same time. The first file with bad rows makes it fail
// with a *ProblemError listing them; a missing file is an EINVALID error.
func LoadGroups(ctx context.Context, dir string, opt Options) (*Data, error) {
	opt = opt.withDefaults()
	files, err := FindGroupsFiles(dir)
	if err != nil {
		return nil, err
	}
	d := &Data{Files: []string{files.Entities, files.Ownership}}
	var fxErr error
	var wg sync.WaitGroup
	if files.FX != "" {
		d.Files = append(d.Files, files.FX)
		wg.Go(func() { d.FX, fxErr = LoadFX(ctx, files.FX, opt) })
	}
	ents, err := LoadEntities(ctx, files.Entities, opt)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if fxErr != nil {
		return nil, fxErr
	}
	d.Entities = ents
	var expErr error
	if files.Exposures != "" {
		d.Files = append(d.Files, files.Exposures)
		wg.Go(func() { d.Exposures, expErr = LoadExposures(ctx, files.Exposures, ents, d.FX, opt) })
	}
	d.Edges, err = LoadOwnership(ctx, files.Ownership, ents, opt)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if expErr != nil {
		return nil, expErr
	}
	return d, nil
}

// cause returns the reason of a file system error without the path it
// repeats ("no such file or directory").
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parallel calls f(0) to f(n-1) on up to workers goroutines.
func parallel(n, workers int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}
