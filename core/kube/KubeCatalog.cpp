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

QString CaObjectInfo::uri(const QString& context, const QString& key) const
{
    return KubeObjectRef { kind, context, nameSpace, name, key }.toUri();
}

QStringList candidateCaKeys(const KubeObject& object)
{
    QStringList first;
    for (const QString& k : {u"ca.crt"_s, u"ca-bundle.crt"_s, u"tls.crt"_s})
        if (object.data.contains(k))
            first << k;
    QStringList rest;
    for (auto it = object.data.begin(); it != object.data.end(); ++it) {
        const QString& k = it.key();
        if (first.contains(k))
            continue;
        if (k.endsWith(u".pem"_s, Qt::CaseInsensitive) || k.endsWith(u".crt"_s, Qt::CaseInsensitive))
            rest << k;
    }
    rest.sort();
    return first + rest;
}

CaObjectInfo inspectObject(const KubeObject& object)
{
    CaObjectInfo info;
    info.kind = object.kind;
    info.nameSpace = object.nameSpace;
    info.name = object.name;
    info.resourceVersion = object.resourceVersion;
    info.type = object.type;
    ParseOptions po;
    po.parallel = false;
    for (const QString& key : candidateCaKeys(object)) {
        const Bundle b = parseBundle(object.data.value(key), key, po);
        if (b.entries.isEmpty())
            continue;
        info.caKeys << key;
        info.certificateCounts << int(b.entries.size());
    }
    return info;
}

void listCaObjects(KubeClient* client, const QString& nameSpace, const QString& labelSelector, QObject* context,
                   std::function<void(KubeResult<QList<CaObjectInfo>>)> done)
{
    // Both lists are asked for at once; the answer goes out when both are in.
    struct Pending {
        KubeObjectList lists[2];
        KubeError error;
        int outstanding = 2;
    };
    auto pending = std::make_shared<Pending>();
    ListOptions opts;
    opts.labelSelector = labelSelector;
    QPointer<QObject> ctx(context);
    const auto finish = [pending, ctx, done] {
        if (--pending->outstanding > 0 || !ctx)
            return;
        auto* watcher = new QFutureWatcher<QList<CaObjectInfo>>(ctx);
        QObject::connect(watcher, &QFutureWatcher<QList<CaObjectInfo>>::finished, ctx.data(),
                         [watcher, done, error = pending->error] {
                             watcher->deleteLater();
                             done({ watcher->result(), error });
                         });
        watcher->setFuture(QtConcurrent::run([items = pending->lists[0].items + pending->lists[1].items] {
            QList<CaObjectInfo> out;
            for (const KubeObject& o : items) {
                CaObjectInfo info = inspectObject(o);
                if (!info.caKeys.isEmpty())
                    out << info;
            }
            return out;
        }));
    };
    const ObjectKind kinds[2] = { ObjectKind::Secret, ObjectKind::ConfigMap };
    for (int i = 0; i < 2; ++i) {
        client->listObjects(kinds[i], nameSpace, opts, context, [pending, finish, i](KubeResult<KubeObjectList> r) {
            if (r.ok())
                pending->lists[i] = r.value;
            else if (pending->error.ok())
                pending->error = r.error;
            finish();
        });
    }
}

} // namespace certrotor::kube
