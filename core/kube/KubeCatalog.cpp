// SPDX-License-Identifier: GPL-3.0-or-later
#include "kube/KubeCatalog.h"

#include "x509/Bundle.h"

#include <QFutureWatcher>
#include <QPointer>
#include <QtConcurrent>

using namespace Qt::StringLiterals;

namespace certrotor::kube {

QList<ContextInfo> listContexts(const Kubeconfig& config)
{
    QList<ContextInfo> out;
    for (const Context& c : config.contexts()) {
        ContextInfo info;
        info.name = c.name;
        info.cluster = c.cluster;
        info.user = c.user;
        info.nameSpace = c.nameSpace.isEmpty() ? u"default"_s : c.nameSpace;
        if (const auto cl = config.cluster(c.cluster))
            info.server = cl->server;
        info.current = c.name == config.currentContext();
        out << info;
    }
    return out;
}

QString CaSecretInfo::uri(const QString& context, const QString& key) const
{
    auto enc = [](const QString& s) { return QString::fromLatin1(QUrl::toPercentEncoding(s, "@:")); };
    QString u = u"secret://"_s;
    if (!context.isEmpty())
        u += QString::fromLatin1(QUrl::toPercentEncoding(context, "@:/")) + u'/';
    u += enc(nameSpace) + u'/' + enc(name);
    if (!key.isEmpty())
        u += u'#' + enc(key);
    return u;
}

QStringList candidateCaKeys(const Secret& secret)
{
    QStringList first;
    for (const QString& k : {u"ca.crt"_s, u"ca-bundle.crt"_s, u"tls.crt"_s})
        if (secret.data.contains(k))
            first << k;
    QStringList rest;
    for (auto it = secret.data.begin(); it != secret.data.end(); ++it) {
        const QString& k = it.key();
        if (first.contains(k))
            continue;
        if (k.endsWith(u".pem"_s, Qt::CaseInsensitive) || k.endsWith(u".crt"_s, Qt::CaseInsensitive))
            rest << k;
    }
    rest.sort();
    return first + rest;
}

CaSecretInfo inspectSecret(const Secret& secret)
{
    CaSecretInfo info;
    info.nameSpace = secret.nameSpace;
    info.name = secret.name;
    info.resourceVersion = secret.resourceVersion;
    info.type = secret.type;
    ParseOptions po;
    po.parallel = false;
    for (const QString& key : candidateCaKeys(secret)) {
        const Bundle b = parseBundle(secret.data.value(key), key, po);
        if (b.entries.isEmpty())
            continue;
        info.caKeys << key;
        info.certificateCounts << int(b.entries.size());
    }
    return info;
}

void listCaSecrets(KubeClient* client, const QString& nameSpace, const QString& labelSelector, QObject* context,
                   std::function<void(KubeResult<QList<CaSecretInfo>>)> done)
{
    ListOptions opts;
    opts.labelSelector = labelSelector;
    QPointer<QObject> ctx(context);
    client->listSecrets(nameSpace, opts, context, [ctx, done](KubeResult<SecretList> r) {
        if (!r.ok())
            return done({{}, r.error});
        if (!ctx)
            return;
        auto* watcher = new QFutureWatcher<QList<CaSecretInfo>>(ctx);
        QObject::connect(watcher, &QFutureWatcher<QList<CaSecretInfo>>::finished, ctx.data(), [watcher, done] {
            watcher->deleteLater();
            done({watcher->result(), {}});
        });
        watcher->setFuture(QtConcurrent::run([items = r.value.items] {
            QList<CaSecretInfo> out;
            for (const Secret& s : items) {
                CaSecretInfo info = inspectSecret(s);
                if (!info.caKeys.isEmpty())
                    out << info;
            }
            return out;
        }));
    });
}

} // namespace certrotor::kube
