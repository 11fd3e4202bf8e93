// SPDX-License-Identifier: GPL-3.0-or-later
#include "SecretCatalog.h"

#include "GuiLog.h"
#include "kube/KubeCatalog.h"
#include "kube/Kubeconfig.h"
#include "util/AsyncTask.h"

#include <QHash>
#include <QPointer>

#include <optional>

namespace certrotor::gui {

QStringList caKeyNames()
{
    return { QStringLiteral("ca.crt"), QStringLiteral("ca-bundle.crt"), QStringLiteral("tls.crt") };
}

namespace {

/// The picker over the core's Kubernetes client: contexts from the kubeconfig exactly as kubectl
/// reads it, namespaces and CA-bearing Secrets through the API server (one client per context,
/// created on first use). Secret and ConfigMap data is parsed by the core to find CA keys; none of it
/// is kept here.
class KubeSecretCatalog : public SecretCatalog {
public:
    KubeSecretCatalog() : m_owner(std::make_unique<QObject>()) { }

    void listContexts(QObject* context, std::function<void(QStringList, QString, QString)> done) override
    {
        struct Contexts {
            QStringList names;
            QString current;
            QString error;
        };
        runThenCallback(
            context,
            []() -> Contexts {
                Result<kube::Kubeconfig> config = kube::Kubeconfig::loadDefault();
                if (!config.ok())
                    return Contexts { {}, {}, config.error().text() };
                const QStringList names = config.value().contextNames();
                return Contexts { names, config.value().currentContext(),
                                  names.isEmpty() ? QObject::tr("The kubeconfig (%1) has no contexts.")
                                                        .arg(kube::Kubeconfig::defaultPaths().join(QLatin1Char(':')))
                                                  : QString() };
            },
            [done](const Contexts& c) { done(c.names, c.current, c.error); });
    }

    void listNamespaces(const QString& kubeContext, QObject* context,
                        std::function<void(QStringList, QString)> done) override
    {
        withClient(kubeContext, context, [context, done](kube::KubeClient* client, const QString& error) {
            if (!client)
                return done({}, error);
            const QString fallback
                = client->config().nameSpace.isEmpty() ? QStringLiteral("default") : client->config().nameSpace;
            client->listNamespaces(context, [done, fallback](kube::KubeResult<QStringList> r) {
                if (r.ok())
                    done(r.value, {});
                else // e.g. no right to list namespaces: offer the context's namespace, say why
                    done({ fallback }, r.error.message);
            });
        });
    }

    void listCaObjects(const QString& kubeContext, const QString& nameSpace, QObject* context,
                       std::function<void(QList<SecretEntry>, QString)> done) override
    {
        withClient(kubeContext, context, [nameSpace, context, done](kube::KubeClient* client, const QString& error) {
            if (!client)
                return done({}, error);
            kube::listCaObjects(client, nameSpace, {}, context, [done](kube::KubeResult<QList<kube::CaObjectInfo>> r) {
                QList<SecretEntry> out;
                for (const kube::CaObjectInfo& o : std::as_const(r.value))
                    out << SecretEntry { o.kind, o.name, o.caKeys };
                done(out, r.ok() ? QString() : r.error.message);
            });
        });
    }

private:
    /// The client of a context, made on first use: the kubeconfig is read on the thread pool, the client on
    /// this thread. `done` runs on `context`'s thread (dropped if it dies).
    void withClient(const QString& kubeContext, QObject* context,
                    std::function<void(kube::KubeClient*, const QString&)> done)
    {
        if (kube::KubeClient* c = m_clients.value(kubeContext).data())
            return done(c, {});
        kube::KubeClient::fromKubeconfigAsync(context, kubeContext, {}, m_owner.get(),
                                              [this, kubeContext, done](Result<kube::KubeClient*> client) {
                                                  if (kube::KubeClient* c = m_clients.value(kubeContext).data()) {
                                                      if (client.ok())
                                                          delete client.value(); // made meanwhile: keep the first
                                                      return done(c, {});
                                                  }
                                                  if (!client.ok())
                                                      return done(nullptr, client.error().text());
                                                  qCInfo(lcUi) << "kubernetes client for context" << kubeContext;
                                                  m_clients.insert(kubeContext, client.value());
                                                  done(client.value(), {});
                                              });
    }

    std::unique_ptr<QObject> m_owner;
    QHash<QString, QPointer<kube::KubeClient>> m_clients;
};

} // namespace

std::unique_ptr<SecretCatalog> makeDefaultSecretCatalog()
{
    return std::make_unique<KubeSecretCatalog>();
}

} // namespace certrotor::gui
