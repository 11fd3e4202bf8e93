// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "probe/ProbePlan.h"
#include "probe/ProbeResult.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

/// The audit records of the probe workflow, one typed builder per event, so the console, the CLI and
/// the rotation engine write the same shapes for the same action (they drifted when each assembled
/// its own). AuditLog::append(AuditRecord) writes one.
namespace certrotor::audit {

/// An event name and its data, as AuditLog::append takes them.
struct AuditRecord {
    QString event;
    QJsonObject data;
};

/// A target as the audit log may keep it: what an operator pastes can carry credentials
/// ("https://user:TOKEN@host:443"), and the log is append-only. The scheme and anything up to the last
/// '@' are dropped, and the text is cut at 200 characters.
QString redactedTarget(QString text);

/// [{name, role, sha256, certificates}] — sha256 as bundleSha256() (what x-certrotor-bundle-sha256 says).
QJsonArray bundlesJson(const QList<PlanBundle>& bundles);
/// [probeId, ...] of the results that ran (a probe cancelled before its turn has no id).
QJsonArray probeIdsJson(const QList<ProbeResult>& results);

/// "probe": one probe that ran, as json::probeResult (its probeId is what the server logged as
/// x-certrotor-probe-id).
AuditRecord probe(const ProbeResult& result);

/// "probe-plan": {source, targets: [address], bundles: bundlesJson, probeIds, verdict}. `source` says
/// who ran it ("certrotor-cli probe", "console probe panel").
AuditRecord probePlan(const QString& source, const QList<ProbeTarget>& targets, const QList<PlanBundle>& bundles,
                      const QList<ProbeResult>& results, const PlanVerdict& verdict);

/// What kind of input was refused: a target is redacted (redactedTarget) in the value and in every
/// error line, here, so that no caller can forget it.
enum class InputKind { Target, File };

/// "input-rejected": {command, input, value, errors}: `input` names the option or field ("--ca",
/// "candidate file", "target"), `value` what was given (a path, never a file's contents), `errors` the
/// located reasons.
AuditRecord inputRejected(const QString& command, InputKind kind, const QString& input, const QString& value,
                          const QStringList& errors);

} // namespace certrotor::audit
