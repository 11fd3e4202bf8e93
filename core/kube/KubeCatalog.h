// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "kube/KubeClient.h"

#include <functional>

/// What the GUI's Secret picker lists: contexts (from the kubeconfig), namespaces, and the Secrets
/// of a namespace that hold CA material.
namespace certrotor::kube {

struct ContextInfo
{
    QString name;
    QString cluster;
    QString server;    // empty when the cluster entry is missing
    QString user;
    QString nameSpace; // the context's namespace, "default" when it names none
    bool current = false;
};

/// The contexts of a kubeconfig in file order, the current one flagged: the picker's first column.
QList<ContextInfo> listContexts(const Kubeconfig& config);

struct CaSecretInfo
{
    QString nameSpace;
    QString name;
    QString resourceVersion;
    QString type;
    /// Keys whose value parses as at least one certificate, in the order worth offering:
    /// ca.crt, ca-bundle.crt, tls.crt, then *.pem / *.crt alphabetically.
    QStringList caKeys;
    QList<int> certificateCounts; // per caKeys entry

    /// secret://CONTEXT/NAMESPACE/NAME#KEY for KubeSecretSource::fromUri.
    QString uri(const QString& context, const QString& key) const;
};

/// Keys of a Secret that may hold CA material (by name), in offering order.
QStringList candidateCaKeys(const Secret& secret);
/// candidateCaKeys whose value parses as certificates (CPU work: call off the GUI thread).
CaSecretInfo inspectSecret(const Secret& secret);

/// Lists the Secrets of `nameSpace` (optionally by label selector) and keeps those holding CA
/// material. Parsing runs on the thread pool; `done` runs on `context`'s thread.
void listCaSecrets(KubeClient* client, const QString& nameSpace, const QString& labelSelector, QObject* context,
                   std::function<void(KubeResult<QList<CaSecretInfo>>)> done);

} // namespace certrotor::kube
