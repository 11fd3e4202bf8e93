// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/Result.h"
#include "x509/Bundle.h"

#include <QList>
#include <QString>

namespace certrotor {

/// The located parse errors of a bundle, one per line: at most `maxShown`, then "… and N more errors".
/// Used by everything that refuses a bundle with errors (stores, sources, the probe candidate, a
/// rotation's candidate), in the console and the CLI alike.
QString bundleErrorsText(const Bundle& bundle, int maxShown = 5);

/// The one rule for using a bundle as a candidate (probe, stage, commit): a bundle with unreadable
/// blocks is refused whole — a probe or a commit with part of a bundle proves nothing — and so is a
/// bundle without a certificate. Warnings do not refuse. The error's message says why in one sentence
/// (naming the bundle); its `where` is empty; the located errors are in bundleErrorsText().
Result<QList<Certificate>> acceptCandidate(const Bundle& bundle);

/// A refusal of acceptCandidate as people read it: its sentence, then the bundle's located errors (if
/// any) on the following lines. What the console's banner, the CLI's stderr, a rotation and the audit
/// log's input-rejected record say about a refused candidate.
QString refusalText(const Bundle& bundle, const Error& refusal);

/// Reads a bundle file ("-" is standard input) and applies acceptCandidate: the parsed bundle (its
/// warnings kept in `issues`), or why it is refused — the file's read error, or refusalText().
Result<Bundle> loadCandidateFile(const QString& path);

} // namespace certrotor
