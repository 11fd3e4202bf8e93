// SPDX-License-Identifier: GPL-3.0-or-later
#include "audit/AuditEvents.h"

#include "probe/ProbeJson.h"

using namespace Qt::StringLiterals;

namespace certrotor::audit {

namespace {

/// What a pasted target carries before its last '@' (after any scheme): the part that can be a credential.
QString credentialPart(const QString& text)
{
    const qsizetype scheme = text.indexOf("://"_L1);
    const QString rest = scheme >= 0 ? text.mid(scheme + 3) : text;
    const qsizetype at = rest.lastIndexOf(u'@');
    return at > 0 ? rest.left(at) : QString();
}

} // namespace

QString redactedTarget(QString text)
{
    const qsizetype scheme = text.indexOf("://"_L1);
    if (scheme >= 0)
        text = text.mid(scheme + 3);
    const qsizetype at = text.lastIndexOf(u'@');
    if (at >= 0)
        text = u"[credentials removed]@"_s + text.mid(at + 1);
    return text.left(200);
}

QJsonArray bundlesJson(const QList<PlanBundle>& bundles)
{
    QJsonArray out;
    for (const PlanBundle& b : bundles)
        out.append(QJsonObject { { u"name"_s, b.name },
                                 { u"role"_s, b.role == PlanBundle::Role::Current ? u"current"_s : u"candidate"_s },
                                 { u"sha256"_s, bundleSha256(b.certificates) },
                                 { u"certificates"_s, int(b.certificates.size()) } });
    return out;
}

QJsonArray probeIdsJson(const QList<ProbeResult>& results)
{
    QJsonArray out;
    for (const ProbeResult& r : results) {
        if (!r.probeId.isEmpty())
            out.append(r.probeId);
    }
    return out;
}

AuditRecord probe(const ProbeResult& result)
{
    return { u"probe"_s, json::probeResult(result) };
}

AuditRecord probePlan(const QString& source, const QList<ProbeTarget>& targets, const QList<PlanBundle>& bundles,
                      const QList<ProbeResult>& results, const PlanVerdict& verdict)
{
    QJsonArray targetNames;
    for (const ProbeTarget& t : targets)
        targetNames.append(t.address());
    return { u"probe-plan"_s,
             QJsonObject { { u"source"_s, source },
                           { u"targets"_s, targetNames },
                           { u"bundles"_s, bundlesJson(bundles) },
                           { u"probeIds"_s, probeIdsJson(results) },
                           { u"verdict"_s, json::planVerdict(verdict) } } };
}

AuditRecord inputRejected(const QString& command, InputKind kind, const QString& input, const QString& value,
                          const QStringList& errors)
{
    QString kept = value;
    QStringList reasons = errors;
    if (kind == InputKind::Target) {
        kept = redactedTarget(value);
        // The reasons quote the target (or its host): neither the whole text nor its credentials stay.
        const QString credentials = credentialPart(value);
        for (QString& line : reasons) {
            line.replace(value, kept);
            if (!credentials.isEmpty())
                line.replace(credentials, u"[credentials removed]"_s);
        }
    }
    return { u"input-rejected"_s,
             QJsonObject { { u"command"_s, command },
                           { u"input"_s, input },
                           { u"value"_s, kept },
                           { u"errors"_s, QJsonArray::fromStringList(reasons) } } };
}

} // namespace certrotor::audit
