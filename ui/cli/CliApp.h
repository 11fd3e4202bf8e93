// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace certrotor::cli {

/// Exit codes shared by every command.
enum ExitCode {
    ExitOk = 0, // all good
    ExitFindings = 1, // findings, a bad block, a failed verification
    ExitUsage = 2, // usage error or unreadable input
    ExitAuditFailed = 3, // the work succeeded but its audit record could not be written
};

/// The commands, as `certrotor-cli help` lists them (for "did you mean" and the help command).
const QStringList& commandNames();

/// Runs certrotor-cli with its arguments (argv[0] first); output goes to stdout/stderr.
int run(const QStringList& arguments);

} // namespace certrotor::cli
