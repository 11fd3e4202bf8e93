// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "kube/KubeClient.h"

#include <functional>

/// What the GUI's picker lists: contexts (from the kubeconfig), namespaces, and the Secrets and
/// ConfigMaps of a namespace that hold CA material.
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

/// A Secret or ConfigMap holding CA material: the picker's rows.
struct CaObjectInfo {
    ObjectKind kind = ObjectKind::Secret;
    QString nameSpace;
    QString name;
    QString resourceVersion;
    QString type; // Secrets only
    /// Keys whose value parses as at least one certificate, in the order worth offering:
    /// ca.crt, ca-bundle.crt, tls.crt, then *.pem / *.crt alphabetically.
    QStringList caKeys;
    QList<int> certificateCounts; // per caKeys entry

    /// secret:// or configmap://CONTEXT/NAMESPACE/NAME#KEY for KubeSecretSource::fromUri.
    QString uri(const QString& context, const QString& key) const;
};

/// Keys of a Secret or ConfigMap that may hold CA material (by name), in offering order.
QStringList candidateCaKeys(const KubeObject& object);
/// candidateCaKeys whose value parses as certificates (CPU work: call off the GUI thread).
CaObjectInfo inspectObject(const KubeObject& object);

/// Lists the Secrets and the ConfigMaps of `nameSpace` (optionally by label selector) and keeps those
/// holding CA material, Secrets first. Parsing runs on the thread pool; `done` runs on `context`'s
/// thread. When one of the two lists fails (no right to list Secrets, say) the other's objects still
/// come, with the error.
void listCaObjects(KubeClient* client, const QString& nameSpace, const QString& labelSelector, QObject* context,
                   std::function<void(KubeResult<QList<CaObjectInfo>>)> done);

} // namespace certrotor::kube
