// compose-check validates a Compose file with compose-go, the loader `docker compose` itself
// uses: YAML, the Compose Specification's JSON schema, interpolation, anchors and merges, and
// the consistency checks (unknown services in depends_on, undefined volumes and networks).
// It is what CI runs instead of `docker compose config`, which needs the compose plugin.
//
//	go -C tools/compose-check run . "$PWD/docker-compose.yml"   (from the repository root)
//
// Every profile is enabled, so services behind a profile are checked too. Exit status 1 and the
// loader's message on an invalid file.
package main

import (
	"context"
	"fmt"
	"os"
	"sort"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <compose file>...")
		os.Exit(2)
	}
	opts, err := cli.NewProjectOptions(os.Args[1:],
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithProfiles([]string{"*"}),
		cli.WithConsistency(true),
	)
	if err == nil {
		project, loadErr := opts.LoadProject(context.Background())
		if loadErr == nil {
			names := project.ServiceNames()
			sort.Strings(names)
			fmt.Printf("compose-check: %v valid: project %q, services %v\n", os.Args[1:], project.Name, names)
			return
		}
		err = loadErr
	}
	fmt.Fprintf(os.Stderr, "compose-check: %v is invalid: %v\n", os.Args[1:], err)
	os.Exit(1)
}
