// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "kube/KubeClient.h"

#include <QObject>
#include <QSslKey>

#include <functional>

class QProcess;

namespace certrotor::kube {

/// A PEM private key (RSA, EC or DSA; PKCS#1, SEC1 or PKCS#8) as a QSslKey; null when unreadable.
/// Shared by kubeconfig client keys and exec-plugin credentials.
QSslKey privateKeyFromPem(const QByteArray& pem);

/// Runs a client-go exec credential plugin (client.authentication.k8s.io/v1 or v1beta1) and caches
/// its ExecCredential until status.expirationTimestamp. Waiters that arrive while the plugin runs
/// share one run. The plugin's output is a secret: it is never logged or quoted in errors.
class ExecCredentialPlugin : public QObject
{
    Q_OBJECT
public:
    ExecCredentialPlugin(ExecConfig config, Cluster cluster, QObject* parent = nullptr);
    ~ExecCredentialPlugin() override;

    using Done = std::function<void(const KubeError&, const Credentials&)>;
    /// Cached credentials while valid, else runs the plugin.
    void get(const Clock& clock, Done done);
    /// Forget the cached credential (after a 401), so the next get() runs the plugin again.
    void invalidate();
    int runs() const { return m_runs; }

    /// Parses ExecCredential JSON (exposed for unit tests). Errors never quote the input.
    static KubeError parse(const QByteArray& json, const QString& expectedApiVersion, Credentials* out);

private:
    void start();
    void complete(const KubeError& error);

    ExecConfig m_config;
    Cluster m_cluster;
    QProcess* m_process = nullptr;
    QList<Done> m_waiters;
    std::optional<Credentials> m_cached;
    int m_runs = 0;
};

} // namespace certrotor::kube
