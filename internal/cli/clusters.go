package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
)

func newClustersCommand() *Command {
	return &Command{Name: "clusters", Summary: "list the cluster system or validate a cluster-system YAML file",
		Run: func(ctx context.Context, env *Env, args []string) error {
			usage := func() error {
				fmt.Fprintln(env.Stderr, "Usage:\n  indus clusters list                 the embedded default cluster system\n  indus clusters validate FILE.yaml   check a cluster-system file")
				return errUsage
			}
			if len(args) == 0 {
				return usage()
			}
			switch args[0] {
			case "validate":
				return clustersValidate(env, args[1:])
			case "list":
				return clustersList(env)
			}
			return usage()
		}}
}

// clustersValidate prints every finding as FILE:LINE:COL: severity: message
// and fails when any is an error.
func clustersValidate(env *Env, args []string) error {
	fs := newFlagSet(env, "clusters validate", "FILE.yaml...")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return errUsage
	}
	failed := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return indus.Errorf(indus.EInvalid, "cannot read %s: %v", file, err)
		}
		cs, findings, err := refdata.ParseClusterSystem(file, data)
		for _, f := range findings {
			fmt.Fprintln(env.Stdout, f.String())
		}
		if err != nil {
			failed++
			continue
		}
		fmt.Fprintf(env.Stdout, "%s: ok: %s version %s, %d tiers, %d clusters (%d unverified), %d city targets\n",
			file, cs.ID, cs.Version, len(cs.Tiers), len(cs.Clusters), len(cs.Unverified()), len(cs.Targets))
	}
	if failed > 0 {
		return indus.Errorf(indus.EInvalid, "%d of %d file(s) have errors", failed, len(files))
	}
	return nil
}

func clustersList(env *Env) error {
	cs := refdata.DefaultClusterSystem()
	fmt.Fprintf(env.Stdout, "%s  %s / %s  version %s, effective %s\n", cs.ID, cs.NameZh, cs.NameEn, cs.Version, cs.EffectiveFrom)
	for _, t := range cs.Tiers {
		fmt.Fprintf(env.Stdout, "\n%s / %s\n", t.NameZh, t.NameEn)
		for _, c := range cs.ClustersInTier(t.ID) {
			mark := ""
			if !c.Verified {
				mark = " (unverified)"
			}
			parent := ""
			if c.Parent != "" {
				parent = " ⊂ " + c.Parent
			}
			fmt.Fprintf(env.Stdout, "  %-28s %s / %s%s%s  [%s]\n", c.ID, c.NameZh, c.NameEn, parent, mark, strings.Join(c.Rules.Include, " "))
		}
	}
	return nil
}
