#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The man pages and the bash completion cannot silently drift from the programs.

The CLI's own help is the reference: every command `certrotor-cli help` lists must have a section in
certrotor-cli(1) and be offered by the completion; every option `certrotor-cli help COMMAND` lists must
appear in that command's man page section and be offered after `certrotor-cli COMMAND --`; every exit
code a help names must be in EXIT STATUS. The console's `certrotor --help` options must be in certrotor(1).
The completion runs in a real bash with the real bash-completion loaded (as on an operator's machine).
"""
import argparse
import os
import re
import subprocess
import sys

OPTION = re.compile(r"(?<![\w-])(--?[a-z][a-z0-9-]*)")
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"

failures = []


def fail(message):
    failures.append(message)
    print("FAIL:", message)


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30, **kw)
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr}")
    return p.stdout


def roff_to_text(roff):
    text = re.sub(r"\\f[BIRP]", "", roff)
    text = text.replace("\\-", "-").replace("\\(em", "-").replace("\\(lq", '"').replace("\\(rq", '"')
    return text


def man_sections(text):
    """{"inspect": text of its .SS section, ...} and the top-level .SH sections."""
    subs, tops = {}, {}
    for m in re.finditer(r"^\.SS (\S+)\n(.*?)(?=^\.S[SH] |\Z)", text, re.M | re.S):
        subs[m.group(1)] = m.group(2)
    for m in re.finditer(r"^\.SH (.+?)\n(.*?)(?=^\.SH |\Z)", text, re.M | re.S):
        tops[m.group(1).strip('"')] = m.group(2)
    return subs, tops


def help_options(help_text):
    """The options of the synopsis (up to the first blank line) and of the option list (lines that start
    with one); not those the prose mentions (keyring's help names probe's --cert) nor the examples'."""
    synopsis = help_text.split("\n\n")[0]
    listed = re.findall(r"^ +(--?[a-z][a-z0-9-]*)", help_text.split("\nExamples:")[0], re.M)
    return sorted({o for o in OPTION.findall(synopsis) + listed if o not in ("--help", "-h")})


def exit_codes(help_text):
    codes = set()
    for m in re.finditer(r"Exit codes:(.*?)(?:\n\S|\nExamples:|\Z)", help_text, re.S):
        codes |= set(re.findall(r"(?:^|[;:])\s*(\d)\s", ":" + m.group(1)))
    return codes


def has_option(section, option):
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", section) is not None


def complete(completion, words):
    """COMPREPLY for the command line `words` (the last one is the word being completed)."""
    line = " ".join(words)
    script = f"""
source {BASH_COMPLETION}
source {completion}
COMP_WORDS=({" ".join("'" + w + "'" for w in words)})
COMP_CWORD={len(words) - 1}
COMP_LINE='{line}'
COMP_POINT={len(line)}
_certrotor_cli certrotor-cli '{words[-1]}' '{words[-2]}'
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        fail(f"completion of {line!r} failed: {p.stderr}")
    return set(p.stdout.split())


def main():
    parser = argparse.ArgumentParser()
    for name in ("cli", "console", "man-cli", "man-console", "completion"):
        parser.add_argument("--" + name, required=True)
    a = parser.parse_args()
    if not os.path.isfile(BASH_COMPLETION):
        fail(f"{BASH_COMPLETION} is missing (installer/install-deps.sh installs bash-completion)")
        return 1

    top = sh([a.cli, "help"])
    commands = re.findall(r"^  ([a-z]+) ", top.split("Commands:")[1], re.M)
    commands = sorted(set(commands) | {"help"})
    if len(commands) < 14:
        fail(f"certrotor-cli help lists only {commands}")
    print("commands:", " ".join(commands))

    man = roff_to_text(open(a.man_cli, encoding="utf-8").read())
    subs, tops = man_sections(man)
    offered = complete(a.completion, ["certrotor-cli", ""])
    all_codes = set()
    for command in commands:
        if command not in subs:
            fail(f"certrotor-cli(1) has no section for '{command}'")
        if command not in offered:
            fail(f"the completion does not offer '{command}'")
        if command == "help":
            continue
        variants = [[command]] + ([[command, "status"]] if command == "rotate" else [])
        for words in variants:
            text = sh([a.cli, "help", *words])
            if not text.startswith("Usage: certrotor-cli " + command):
                fail(f"certrotor-cli help {' '.join(words)} does not start with its usage")
            if "\nExamples:\n  certrotor-cli " not in text:
                fail(f"certrotor-cli help {' '.join(words)} has no examples")
            same = sh([a.cli, *words, "--help"])
            if same != text:
                fail(f"certrotor-cli {' '.join(words)} --help differs from certrotor-cli help {' '.join(words)}")
            all_codes |= exit_codes(text)
            options = help_options(text)
            completed = complete(a.completion, ["certrotor-cli", *words, "-"])
            for option in options:
                if not has_option(subs.get(command, ""), option):
                    fail(f"certrotor-cli(1), section {command}, does not mention {option}")
                if option not in completed:
                    fail(f"the completion does not offer {option} after 'certrotor-cli {' '.join(words)}'")
            print(f"{' '.join(words)}: {' '.join(options)}")
    exit_status = tops.get("EXIT STATUS", "")
    for code in sorted(all_codes):
        if not re.search(rf"^\.B {code}$", exit_status, re.M):
            fail(f"certrotor-cli(1) EXIT STATUS lacks {code}")
    print("exit codes named by the helps:", " ".join(sorted(all_codes)))

    # Values the completion offers where the CLI has a fixed set.
    for words, want in ((["certrotor-cli", "expiry", "--format", ""], {"ics", "prometheus", "json"}),
                        (["certrotor-cli", "audit", "export", "--format", ""], {"json", "csv"}),
                        (["certrotor-cli", "rotate", "--mode", ""], {"overlap", "replace"}),
                        (["certrotor-cli", "keyring", ""], {"store-passphrase", "forget-passphrase", "status"}),
                        (["certrotor-cli", "audit", ""], {"verify", "show", "export"}),
                        (["certrotor-cli", "help", ""], set(commands))):
        got = complete(a.completion, words)
        if not want <= got:
            fail(f"completing {' '.join(words)!r} offers {sorted(got)}, not {sorted(want)}")

    # The console: certrotor --help (Qt's parser) against certrotor(1).
    console_help = sh([a.console, "--help"])
    console_man = roff_to_text(open(a.man_console, encoding="utf-8").read())
    _, console_tops = man_sections(console_man)
    options = sorted({o for m in re.finditer(r"^  (?:(-[a-z]), )?(--[a-z][a-z-]*)", console_help, re.M)
                      for o in m.groups() if o})
    if "--watch" not in options or "--drill" not in options:
        fail(f"certrotor --help lists {options}")
    for option in options:
        if not has_option(console_tops.get("OPTIONS", ""), option):
            fail(f"certrotor(1) OPTIONS does not mention {option}")
    print("certrotor:", " ".join(options))

    if failures:
        print(f"{len(failures)} problem(s)", file=sys.stderr)
        return 1
    print("PASS cli-docs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
