// SPDX-License-Identifier: GPL-3.0-or-later
#include "sources/SourceFactory.h"

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
        return fail(QStringLiteral("empty source: give a bundle file, a directory or secret://NAMESPACE/NAME"));

    if (spec.startsWith(QLatin1String("secret://"))) {
        // HOOK(kube): the kube branch creates its KubeSecretSource here, e.g.
        //   return KubeSecretSource::fromSpec(spec, error);
        // parsing secret://[CONTEXT/]NAMESPACE/NAME[#KEY] and reporting a bad spec through *error.
        return fail(QStringLiteral("Kubernetes Secret sources are not available in this build"));
    }

    QString path = spec;
    if (spec.startsWith(QLatin1String("file://"))) {
        const QUrl url(spec);
        if (!url.isValid() || !url.isLocalFile())
            return fail(QStringLiteral("%1: not a local file URL").arg(spec));
        path = url.toLocalFile();
    } else if (const qsizetype colon = spec.indexOf(QLatin1String("://")); colon > 0 && !spec.left(colon).contains(QLatin1Char('/'))) {
        return fail(QStringLiteral("%1: unknown source type '%2' (use a path, file://PATH or secret://NAMESPACE/NAME)")
                        .arg(spec, spec.left(colon)));
    }
    return std::make_unique<FileSource>(path);
}

} // namespace certrotor
