// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/Result.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

/// kubeconfig loading exactly as kubectl (client-go clientcmd) does it: the $KUBECONFIG list merged
/// with "the first file to set a key wins", or ~/.kube/config; relative paths resolved against the
/// directory of the file that named them; the current or a chosen context and its namespace.
/// No exception from yaml-cpp ever leaves this module.
namespace certrotor::kube {

/// `users[].user.exec`: a client-go credential plugin (EKS, GKE and AKS use these).
struct ExecConfig
{
    QString apiVersion; // client.authentication.k8s.io/v1 or v1beta1
    QString command;    // absolute when the kubeconfig gave a path with a '/'
    QStringList args;
    QList<QPair<QString, QString>> env;
    bool provideClusterInfo = false;
    QString interactiveMode; // Never / IfAvailable / Always (we never run interactively)
    QString installHint;
};

struct Cluster
{
    QString name;
    QString server;            // https://host:port[/prefix]
    QByteArray caPem;          // certificate-authority-data, or the certificate-authority file's bytes
    QString caFile;            // certificate-authority, absolute; empty when the data was inline
    QString tlsServerName;     // tls-server-name
    bool insecureSkipTlsVerify = false;
};

struct User
{
    QString name;
    QByteArray clientCertPem; // client-certificate-data or, after restConfig(), the file's bytes
    QByteArray clientKeyPem;  // client-key-data or, after restConfig(), the file's bytes (a secret: never log it)
    QString clientCertFile;   // absolute
    QString clientKeyFile;    // absolute
    QByteArray token;         // a secret: never log it
    QString tokenFile;        // absolute; read at request time so a rotated token is picked up
    std::optional<ExecConfig> exec;
    QString authProvider;     // legacy auth-provider name, reported as unsupported
    bool hasBasicAuth = false;
};

struct Context
{
    QString name;
    QString cluster;
    QString user;
    QString nameSpace; // "default" when the context names none
};

/// Everything a client needs for one context, with files already read.
struct RestConfig
{
    QString contextName;
    QString nameSpace;
    Cluster cluster;
    User user;
    /// Things the UI/CLI must show, e.g. the insecure-skip-tls-verify warning.
    QStringList warnings;
};

class Kubeconfig
{
public:
    /// The kubeconfig kubectl would use: $KUBECONFIG (colon-separated, merged) or ~/.kube/config.
    static Result<Kubeconfig> loadDefault();
    /// Merges these files in order, as kubectl merges a $KUBECONFIG list. Missing files are
    /// skipped (as kubectl does); a file that exists but cannot be read or parsed is an error.
    static Result<Kubeconfig> loadFiles(const QStringList& paths);
    /// One kubeconfig document; `path` names it in errors and anchors relative paths.
    static Result<Kubeconfig> parse(const QByteArray& yaml, const QString& path);
    /// The files $KUBECONFIG names (deduplicated, empty entries dropped), or ~/.kube/config.
    static QStringList defaultPaths();

    QStringList files() const { return m_files; }
    QString currentContext() const { return m_currentContext; }
    QStringList contextNames() const;
    QList<Context> contexts() const { return m_contexts; }
    std::optional<Context> context(const QString& name) const;
    std::optional<Cluster> cluster(const QString& name) const;
    std::optional<User> user(const QString& name) const;

    /// Resolves a context (empty = the current context): cluster, user and namespace, with
    /// certificate, key and CA files read. Errors name the file and the missing piece,
    /// e.g. "kubeconfig /x: context 'foo' not found".
    Result<RestConfig> restConfig(const QString& contextName = {}) const;

private:
    /// Merges `other` into this config: entries already present win.
    void mergeFrom(const Kubeconfig& other);
    QString where() const;

    QStringList m_files;
    QString m_currentContext;
    QList<Context> m_contexts;
    QList<Cluster> m_clusters;
    QList<User> m_users;
    QStringList m_problems; // per-file parse problems, reported when a context using the entry is resolved
};

} // namespace certrotor::kube
