// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>

namespace certrotor::gui {

/// A Secret that holds CA material, for the picker: its name and the CA-bearing keys.
struct SecretEntry
{
    QString name;
    QStringList keys; // ca.crt, tls.crt, ca-bundle.crt, ...
};

/// What the Secret picker needs from a cluster: kubeconfig contexts, the namespaces of a context and
/// the CA-bearing Secrets of a namespace. Asynchronous: results come back through the callbacks on
/// the caller's thread, bound to `context` (dropped if it dies). Never carries a Secret's data.
class SecretCatalog
{
public:
    virtual ~SecretCatalog() = default;

    /// The kubeconfig's contexts and its current context; error text when there is no usable kubeconfig.
    virtual void listContexts(QObject* context,
                              std::function<void(QStringList contexts, QString current, QString error)> done) = 0;
    virtual void listNamespaces(const QString& kubeContext, QObject* context,
                                std::function<void(QStringList namespaces, QString error)> done) = 0;
    virtual void listSecrets(const QString& kubeContext, const QString& nameSpace, QObject* context,
                             std::function<void(QList<SecretEntry> secrets, QString error)> done) = 0;
};

/// The catalog over the real kubeconfig and API server.
std::unique_ptr<SecretCatalog> makeDefaultSecretCatalog();

/// Keys that hold CA material by convention, in the order the picker proposes them.
QStringList caKeyNames();

} // namespace certrotor::gui
