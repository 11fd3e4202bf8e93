# SPDX-License-Identifier: GPL-3.0-or-later
# bash completion for certrotor-cli. Keep in step with `certrotor-cli help COMMAND`: tests/packaging
# checks that every command and every option the help lists is offered here.

_certrotor_cli()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n : || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local commands="inspect lint diff verify overlap expiry watch probe rotate retire rollback keyring drill audit help"
    if [[ $cword -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return
    fi

    local command=${words[1]} action=""
    [[ $cword -gt 2 ]] && action=${words[2]}
    local opts=""
    case $command in
        inspect|lint) opts="--json --at --expiry-days --help" ;;
        diff) opts="--json --at --help" ;;
        verify) opts="--trust --at --hostname --partial-chain --json --help" ;;
        overlap) opts="--old-first --json --at -o --output --help" ;;
        expiry) opts="--within --format --warn-days --at -o --help" ;;
        watch) opts="--json --debounce-ms --help" ;;
        probe) opts="--ca --current --cert --key --key-passphrase-stdin --send-client-cert --servername --service
                     --timeout --system-cas --audit-log --json --help" ;;
        rotate)
            if [[ $action == status ]]; then
                opts="--store --json --help"
            else
                opts="--store --candidate --target --plan --mode --dry-run --expect-sha256 --override-reason
                      --confirm-deadline --timeout --audit-log --yes --json --help"
            fi ;;
        retire) opts="--store --target --override-reason --confirm-deadline --timeout --audit-log --yes --json --help" ;;
        rollback) opts="--store --confirm-deadline --timeout --audit-log --yes --json --help" ;;
        keyring) opts="--key --help" ;;
        drill) opts="--dir --kube --keep --report --json --port --help" ;;
        audit) opts="--audit-log --no-keyring --event --json --format -o --output --help" ;;
        help)
            [[ $cword -eq 2 ]] && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            return ;;
        *) return ;;
    esac

    # The value of the option before the cursor.
    case $prev in
        --format)
            if [[ $command == expiry ]]; then
                COMPREPLY=($(compgen -W "ics prometheus json" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "json csv" -- "$cur"))
            fi
            return ;;
        --mode) COMPREPLY=($(compgen -W "overlap replace" -- "$cur")); return ;;
        --event)
            COMPREPLY=($(compgen -W "probe probe-plan input-rejected rotation-staged rotation-dry-run rotation-probed
                                     rotation-committed rotation-confirmed rotation-confirm-failed rotation-retired
                                     rotation-rolled-back rotation-refused rotation-override rotation-conflict
                                     rotation-recovered rotation-discarded" -- "$cur"))
            return ;;
        --dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --at|--expiry-days|--within|--warn-days|--debounce-ms|--timeout|--confirm-deadline|--port|--hostname|\
        --servername|--service|--expect-sha256|--override-reason|--target)
            return ;;
        --trust|--ca|--current|--cert|--key|--candidate|--plan|--store|--audit-log|--report|-o|--output)
            COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
            return ;;
    esac

    # Actions of the commands that have them.
    if [[ $cword -eq 2 && $cur != -* ]]; then
        case $command in
            keyring) COMPREPLY=($(compgen -W "store-passphrase forget-passphrase status" -- "$cur")); return ;;
            audit) COMPREPLY=($(compgen -W "verify show export" -- "$cur")); return ;;
            rotate) COMPREPLY=($(compgen -W "status" -- "$cur")) ;;
        esac
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    case $command in
        inspect|lint|diff|verify|overlap|expiry|watch)
            COMPREPLY+=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null ;;
    esac
}
complete -F _certrotor_cli certrotor-cli
