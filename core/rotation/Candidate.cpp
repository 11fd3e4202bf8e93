// SPDX-License-Identifier: GPL-3.0-or-later
#include "rotation/Candidate.h"

#include <QObject>
#include <QStringList>

using namespace Qt::StringLiterals;

namespace certrotor {

QString bundleErrorsText(const Bundle& bundle, int maxShown)
{
    QStringList lines;
    int errors = 0;
    for (const ParseIssue& issue : bundle.issues) {
        if (issue.severity != ParseIssue::Severity::Error)
            continue;
        if (errors++ < maxShown)
            lines << issue.text();
    }
    if (errors > maxShown)
        lines << QObject::tr("… and %1 more errors").arg(errors - maxShown);
    return lines.join(u'\n');
}

Result<QList<Certificate>> acceptCandidate(const Bundle& bundle)
{
    if (bundle.hasErrors())
        return Error{QObject::tr("%1 has unreadable blocks; not using part of a bundle").arg(bundle.name), {}};
    QList<Certificate> certs = bundle.certificates();
    if (certs.isEmpty())
        return Error{QObject::tr("%1 holds no certificate").arg(bundle.name), {}};
    return certs;
}

QString refusalText(const Bundle& bundle, const Error& refusal)
{
    const QString located = bundleErrorsText(bundle);
    return located.isEmpty() ? refusal.text() : refusal.text() + u":\n"_s + located;
}

Result<Bundle> loadCandidateFile(const QString& path)
{
    Result<Bundle> bundle = loadBundleFile(path);
    if (!bundle.ok())
        return bundle.error();
    const Result<QList<Certificate>> accepted = acceptCandidate(bundle.value());
    if (!accepted.ok())
        return Error { refusalText(bundle.value(), accepted.error()), {} };
    return bundle;
}

} // namespace certrotor
