package complete

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// bashFallback defines _get_comp_words_by_ref and _filedir when the
// bash-completion package is not loaded, so that `source <(qmpwatch completion bash)` works
// on a bare bash: cobra's script calls it (through its own
// __qmpwatch_init_completion) to split the command line. This minimal
// version splits on blanks only, as `_get_comp_words_by_ref -n =:` does for
// the words qmpwatch takes (--color=always, unix:/run/vm1.qmp), and leaves
// quoting aside.
const bashFallback = `# Without the bash-completion package, a minimal _get_comp_words_by_ref
# (qmpwatch's own; the package's is used when it is loaded).
if ! declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
_get_comp_words_by_ref()
{
    local line="${COMP_LINE:0:COMP_POINT}"
    read -r -a words <<< "$line"
    if [[ -z $line || $line == *[[:space:]] ]]; then
        words+=("")
    fi
    cword=$(( ${#words[@]} - 1 ))
    cur="${words[cword]}"
    prev="${words[cword-1]}"
}
fi
# ... and a minimal _filedir, which cobra's script calls for --dir (-d:
# folders) and --config (an extension list such as "yaml|yml|").
if ! declare -F _filedir >/dev/null 2>&1; then
_filedir()
{
    local IFS=$'\n' f
    [[ $(type -t compopt) == builtin ]] && compopt -o filenames 2>/dev/null
    COMPREPLY+=( $(compgen -d -- "$cur") )
    [[ $1 == -d ]] && return 0
    for f in $(compgen -f -- "$cur"); do
        if [[ ! -d $f && ( -z $1 || "|$1" == *"|${f##*.}|"* ) ]]; then
            COMPREPLY+=( "$f" )
        fi
    done
}
fi

`

// StandaloneBash makes `completion bash` write the fallback before cobra's
// script.
func StandaloneBash(completion *cobra.Command) {
	for _, c := range completion.Commands() {
		if c.Name() != "bash" {
			continue
		}
		gen := c.RunE
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if _, err := io.WriteString(cmd.OutOrStdout(), bashFallback); err != nil {
				return exitcode.WriteErr(err)
			}
			if gen != nil {
				return gen(cmd, args)
			}
			return nil
		}
		c.Long += "\n\nThe script works without the bash-completion package (it brings a minimal\n_get_comp_words_by_ref of its own), and uses the package's when it is loaded."
	}
}
