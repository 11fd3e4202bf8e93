// SPDX-License-Identifier: GPL-3.0-or-later
#include "factory/SourceFactory.h"

#include "kube/KubeSecretSource.h"
#include "sources/FileSource.h"
#include "util/AsyncTask.h"

#include <QUrl>

#include <optional>

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

void createSourceAsync(const QString& spec, QObject* context, SourceCreated done)
{
    if (!kube::KubeObjectRef::looksLike(spec)) {
        QString error;
        std::unique_ptr<Source> source = createSource(spec, &error); // a path: nothing is read until start()
        done(std::move(source), error);
        return;
    }
    Result<kube::KubeObjectRef> ref = kube::KubeObjectRef::parse(spec);
    if (!ref.ok()) {
        done(nullptr, ref.error().text());
        return;
    }
    kube::KubeClient::fromKubeconfigAsync(
        context, ref.value().context, {}, nullptr,
        [ref = ref.value(), done = std::move(done)](Result<kube::KubeClient*> client) {
            if (!client.ok())
                return done(nullptr, client.error().text());
            auto source
                = std::make_unique<kube::KubeSecretSource>(client.value(), ref, kube::KubeSecretSource::Options {});
            client.value()->setParent(source.get());
            done(std::move(source), QString());
        });
}

} // namespace certrotor
