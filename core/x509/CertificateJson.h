// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/Bundle.h"
#include "x509/BundleDiff.h"
#include "x509/Chain.h"
#include "x509/Lint.h"

#include <QJsonArray>
#include <QJsonObject>

/// The JSON shapes CertRotor emits (CLI --json, exports). One place, so the CLI and the GUI agree.
namespace certrotor::json {

QJsonObject certificate(const Certificate& cert, qint64 now);
QJsonObject certificate(const BundleEntry& entry, qint64 now, const QList<Finding>& findings);
QJsonObject source(const SourceLocation& where);
QJsonObject finding(const Finding& f);
QJsonObject issue(const ParseIssue& issue);
QJsonObject diff(const BundleDiff& diff);
QJsonObject verifyError(const VerifyError& e);

} // namespace certrotor::json
