// SPDX-License-Identifier: GPL-3.0-or-later
#include "factory/SourceFactory.h"

#include "kube/KubeSecretSource.h"
#include "sources/FileSource.h"

#include <QUrl>

namespace certrotor {

std::unique_ptr<Source> createSource(const QString& spec, QString* error)
{
    const auto fail = [error](const QString& message) -> std::unique_ptr<Source> {
        if (error)
            *error = message;
        return nullptr;
    };
    if (spec.trimmed().isEmpty())
        return fail(QStringLiteral("empty source: give a bundle file, a directory, secret://NAMESPACE/NAME or "
                                   "configmap://NAMESPACE/NAME"));

    if (kube::KubeObjectRef::looksLike(spec)) {
        // secret:// or configmap://[CONTEXT/]NAMESPACE/NAME[#KEY], through the kubeconfig (as kubectl reads it).
        return kube::KubeSecretSource::fromUri(spec, error);
    }

    QString path = spec;
    if (spec.startsWith(QLatin1String("file://"))) {
        const QUrl url(spec);
        if (!url.isValid() || !url.isLocalFile())
            return fail(QStringLiteral("%1: not a local file URL").arg(spec));
        path = url.toLocalFile();
    } else if (const qsizetype colon = spec.indexOf(QLatin1String("://"));
               colon > 0 && !spec.left(colon).contains(QLatin1Char('/'))) {
        return fail(QStringLiteral("%1: unknown source type '%2' (use a path, file://PATH, secret://NAMESPACE/NAME or "
                                   "configmap://NAMESPACE/NAME)")
                        .arg(spec, spec.left(colon)));
    }
    return std::make_unique<FileSource>(path);
}

} // namespace certrotor
