// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "kube/KubeObjectRef.h"

#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>

namespace certrotor::gui {

/// A Secret or ConfigMap that holds CA material, for the picker: its kind, name and CA-bearing keys.
struct SecretEntry {
    kube::KubeObjectRef::Kind kind = kube::KubeObjectRef::Kind::Secret;
    QString name;
    QStringList keys; // ca.crt, tls.crt, ca-bundle.crt, ...
};

/// What the Secret picker needs from a cluster: kubeconfig contexts, the namespaces of a context and
/// the CA-bearing Secrets and ConfigMaps of a namespace. Asynchronous: results come back through the callbacks on
/// the caller's thread, bound to `context` (dropped if it dies). Never carries a Secret's data.
class SecretCatalog {
public:
    virtual ~SecretCatalog() = default;

    /// The kubeconfig's contexts and its current context; error text when there is no usable kubeconfig.
    virtual void listContexts(QObject* context,
                              std::function<void(QStringList contexts, QString current, QString error)> done)
        = 0;
    virtual void listNamespaces(const QString& kubeContext, QObject* context,
                                std::function<void(QStringList namespaces, QString error)> done)
        = 0;
    /// Secrets first, then ConfigMaps; entries that could be listed come with the error of those that could not.
    virtual void listCaObjects(const QString& kubeContext, const QString& nameSpace, QObject* context,
                               std::function<void(QList<SecretEntry> objects, QString error)> done)
        = 0;
};

/// The catalog over the real kubeconfig and API server.
std::unique_ptr<SecretCatalog> makeDefaultSecretCatalog();

/// Keys that hold CA material by convention, in the order the picker proposes them.
QStringList caKeyNames();

} // namespace certrotor::gui
