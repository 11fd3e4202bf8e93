// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/Result.h"

#include <QString>

namespace certrotor::kube {

/// One key of a Kubernetes Secret or ConfigMap that holds a CA bundle, as an operator names it:
/// `secret://[CONTEXT/]NAMESPACE/NAME[#KEY]` or `configmap://[CONTEXT/]NAMESPACE/NAME[#KEY]`.
/// Sources (watch) and rotation destinations (commit) use the same reference, so a rotation names
/// its destination exactly as the watch does.
struct KubeObjectRef
{
    enum class Kind { Secret, ConfigMap };

    Kind kind = Kind::Secret;
    QString context; // empty = the kubeconfig's current context
    QString nameSpace;
    QString name;
    QString key; // empty = defaultKey()

    /// "ca.crt" for both kinds (Secrets of type kubernetes.io/tls and kube-root-ca.crt use it).
    static QString defaultKey() { return QStringLiteral("ca.crt"); }
    QString effectiveKey() const { return key.isEmpty() ? defaultKey() : key; }

    static QString scheme(Kind kind); // "secret://" or "configmap://"
    static QString kindName(Kind kind); // "Secret" or "ConfigMap"
    static QString resourceName(Kind kind); // "secrets" or "configmaps", as in REST paths
    /// True when `text` starts with one of the two schemes (it may still be malformed).
    static bool looksLike(const QString& text);
    /// Parses either form; context names may contain '/' (EKS ARNs), parts may be percent-encoded.
    static Result<KubeObjectRef> parse(const QString& uri);

    /// The URI with the effective key, percent-encoding '/', '#' and '%' inside parts.
    QString toUri() const;
    /// The object's REST path: /api/v1/namespaces/NS/secrets/NAME (or configmaps).
    QString apiPath() const;
    /// The collection's REST path: /api/v1/namespaces/NS/secrets (or configmaps).
    QString collectionPath() const;
};

} // namespace certrotor::kube
