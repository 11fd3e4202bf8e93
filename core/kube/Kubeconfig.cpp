// SPDX-License-Identifier: GPL-3.0-or-later
#include "kube/Kubeconfig.h"

#include "kube/KubeLog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <yaml-cpp/yaml.h>

#include <exception>

using namespace Qt::StringLiterals;

namespace certrotor::kube {

namespace {

QString str(const YAML::Node& node, const char* key)
{
    if (!node.IsMap())
        return {};
    const YAML::Node v = node[key];
    if (!v || !v.IsScalar())
        return {};
    return QString::fromStdString(v.as<std::string>(std::string()));
}

bool boolean(const YAML::Node& node, const char* key)
{
    if (!node.IsMap())
        return false;
    const YAML::Node v = node[key];
    if (!v || !v.IsScalar())
        return false;
    return v.as<bool>(false);
}

QString resolvePath(const QString& path, const QString& baseDir)
{
    if (path.isEmpty() || QDir::isAbsolutePath(path))
        return path;
    return QDir::cleanPath(QDir(baseDir).absoluteFilePath(path));
}

/// Decodes a *-data field; false on invalid base64.
bool decodeData(const QString& text, QByteArray* out)
{
    auto r = QByteArray::fromBase64Encoding(text.trimmed().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!r)
        return false;
    *out = *r;
    return true;
}

Result<QByteArray> readSmallFile(const QString& path, const QString& what)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error{u"cannot read %1 %2: %3"_s.arg(what, path, f.errorString()), {}};
    return f.read(4 * 1024 * 1024);
}

} // namespace

QStringList Kubeconfig::defaultPaths()
{
    const QString env = qEnvironmentVariable("KUBECONFIG");
    QStringList paths;
    if (!env.isEmpty()) {
        QSet<QString> seen;
        for (const QString& p : env.split(QDir::listSeparator(), Qt::SkipEmptyParts)) {
            const QString abs = QFileInfo(p).absoluteFilePath();
            if (seen.contains(abs))
                continue;
            seen.insert(abs);
            paths << abs;
        }
        return paths;
    }
    return {QDir::homePath() + u"/.kube/config"_s};
}

Result<Kubeconfig> Kubeconfig::loadDefault()
{
    return loadFiles(defaultPaths());
}

Result<Kubeconfig> Kubeconfig::loadFiles(const QStringList& paths)
{
    Kubeconfig merged;
    for (const QString& path : paths) {
        QFileInfo fi(path);
        if (!fi.exists())
            continue; // kubectl skips missing files of the list
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return Error{u"cannot read it: %1"_s.arg(f.errorString()), u"kubeconfig "_s + path};
        auto one = parse(f.read(16 * 1024 * 1024), fi.absoluteFilePath());
        if (!one.ok())
            return one.error();
        merged.mergeFrom(one.value());
    }
    if (merged.m_files.isEmpty())
        return Error{u"no kubeconfig found (looked at %1)"_s.arg(paths.join(u", "_s)), u"kubeconfig"_s};
    return merged;
}

Result<Kubeconfig> Kubeconfig::parse(const QByteArray& yaml, const QString& path)
{
    const QString where = u"kubeconfig "_s + path;
    const QString baseDir = QFileInfo(path).absolutePath();
    Kubeconfig cfg;
    cfg.m_files << path;
    try {
        const YAML::Node root = YAML::Load(yaml.toStdString());
        if (!root || root.IsNull())
            return cfg; // an empty file is an empty config, as in kubectl
        if (!root.IsMap())
            return Error{u"not a kubeconfig (the document is not a map)"_s, where};
        cfg.m_currentContext = str(root, "current-context");

        const YAML::Node clusters = root["clusters"];
        if (clusters && clusters.IsSequence()) {
            for (const YAML::Node& item : clusters) {
                if (!item.IsMap())
                    continue; // kubectl would reject it; we skip it and never crash
                Cluster c;
                c.name = str(item, "name");
                const YAML::Node d = item["cluster"];
                if (c.name.isEmpty() || !d || !d.IsMap())
                    continue;
                c.server = str(d, "server");
                c.tlsServerName = str(d, "tls-server-name");
                c.insecureSkipTlsVerify = boolean(d, "insecure-skip-tls-verify");
                const QString caData = str(d, "certificate-authority-data");
                if (!caData.isEmpty() && !decodeData(caData, &c.caPem))
                    return Error{u"certificate-authority-data of cluster '%1' is not valid base64"_s.arg(c.name), where};
                c.caFile = resolvePath(str(d, "certificate-authority"), baseDir);
                if (!c.caPem.isEmpty())
                    c.caFile.clear(); // the data overrides the file, as in client-go
                cfg.m_clusters << c;
            }
        }
        const YAML::Node users = root["users"];
        if (users && users.IsSequence()) {
            for (const YAML::Node& item : users) {
                if (!item.IsMap())
                    continue; // kubectl would reject it; we skip it and never crash
                User u;
                u.name = str(item, "name");
                const YAML::Node d = item["user"];
                if (u.name.isEmpty())
                    continue;
                if (d && d.IsMap()) {
                    const QString certData = str(d, "client-certificate-data");
                    if (!certData.isEmpty() && !decodeData(certData, &u.clientCertPem))
                        return Error{u"client-certificate-data of user '%1' is not valid base64"_s.arg(u.name), where};
                    const QString keyData = str(d, "client-key-data");
                    if (!keyData.isEmpty() && !decodeData(keyData, &u.clientKeyPem))
                        return Error{u"client-key-data of user '%1' is not valid base64"_s.arg(u.name), where};
                    if (u.clientCertPem.isEmpty())
                        u.clientCertFile = resolvePath(str(d, "client-certificate"), baseDir);
                    if (u.clientKeyPem.isEmpty())
                        u.clientKeyFile = resolvePath(str(d, "client-key"), baseDir);
                    u.token = str(d, "token").toUtf8();
                    u.tokenFile = resolvePath(str(d, "tokenFile"), baseDir);
                    u.hasBasicAuth = !str(d, "username").isEmpty() || !str(d, "password").isEmpty();
                    const YAML::Node ap = d["auth-provider"];
                    if (ap && ap.IsMap())
                        u.authProvider = str(ap, "name");
                    const YAML::Node ex = d["exec"];
                    if (ex && ex.IsMap()) {
                        ExecConfig e;
                        e.apiVersion = str(ex, "apiVersion");
                        e.command = str(ex, "command");
                        // client-go resolves the command against the kubeconfig only when it is a path.
                        if (e.command.contains(u'/'))
                            e.command = resolvePath(e.command, baseDir);
                        const YAML::Node args = ex["args"];
                        if (args && args.IsSequence())
                            for (const YAML::Node& a : args)
                                if (a.IsScalar())
                                    e.args << QString::fromStdString(a.as<std::string>(std::string()));
                        const YAML::Node env = ex["env"];
                        if (env && env.IsSequence())
                            for (const YAML::Node& kv : env)
                                e.env << qMakePair(str(kv, "name"), str(kv, "value"));
                        e.provideClusterInfo = boolean(ex, "provideClusterInfo");
                        e.interactiveMode = str(ex, "interactiveMode");
                        e.installHint = str(ex, "installHint");
                        u.exec = e;
                    }
                }
                cfg.m_users << u;
            }
        }
        const YAML::Node contexts = root["contexts"];
        if (contexts && contexts.IsSequence()) {
            for (const YAML::Node& item : contexts) {
                if (!item.IsMap())
                    continue; // kubectl would reject it; we skip it and never crash
                Context c;
                c.name = str(item, "name");
                const YAML::Node d = item["context"];
                if (c.name.isEmpty())
                    continue;
                if (d && d.IsMap()) {
                    c.cluster = str(d, "cluster");
                    c.user = str(d, "user");
                    c.nameSpace = str(d, "namespace");
                }
                cfg.m_contexts << c;
            }
        }
    } catch (const YAML::ParserException& e) {
        return Error{u"invalid YAML at line %1, column %2: %3"_s.arg(e.mark.line + 1)
                         .arg(e.mark.column + 1)
                         .arg(QString::fromStdString(e.msg)),
                     where};
    } catch (const YAML::Exception& e) {
        return Error{u"unexpected structure at line %1, column %2: %3"_s.arg(e.mark.line + 1)
                         .arg(e.mark.column + 1)
                         .arg(QString::fromStdString(e.msg)),
                     where};
    } catch (const std::exception& e) {
        return Error{u"cannot read it: %1"_s.arg(QString::fromUtf8(e.what())), where};
    }
    return cfg;
}

void Kubeconfig::mergeFrom(const Kubeconfig& other)
{
    m_files << other.m_files;
    if (m_currentContext.isEmpty())
        m_currentContext = other.m_currentContext;
    for (const Context& c : other.m_contexts)
        if (!context(c.name))
            m_contexts << c;
    for (const Cluster& c : other.m_clusters)
        if (!cluster(c.name))
            m_clusters << c;
    for (const User& u : other.m_users)
        if (!user(u.name))
            m_users << u;
}

QString Kubeconfig::where() const
{
    return u"kubeconfig "_s + m_files.join(u':');
}

QStringList Kubeconfig::contextNames() const
{
    QStringList names;
    for (const Context& c : m_contexts)
        names << c.name;
    return names;
}

std::optional<Context> Kubeconfig::context(const QString& name) const
{
    for (const Context& c : m_contexts)
        if (c.name == name)
            return c;
    return std::nullopt;
}

std::optional<Cluster> Kubeconfig::cluster(const QString& name) const
{
    for (const Cluster& c : m_clusters)
        if (c.name == name)
            return c;
    return std::nullopt;
}

std::optional<User> Kubeconfig::user(const QString& name) const
{
    for (const User& u : m_users)
        if (u.name == name)
            return u;
    return std::nullopt;
}

Result<RestConfig> Kubeconfig::restConfig(const QString& contextName) const
{
    const QString name = contextName.isEmpty() ? m_currentContext : contextName;
    if (name.isEmpty())
        return Error{u"no current context is set; choose a context"_s, where()};
    const auto ctx = context(name);
    if (!ctx)
        return Error{u"context '%1' not found"_s.arg(name), where()};
    RestConfig rc;
    rc.contextName = name;
    rc.nameSpace = ctx->nameSpace.isEmpty() ? u"default"_s : ctx->nameSpace;
    if (ctx->cluster.isEmpty())
        return Error{u"context '%1' names no cluster"_s.arg(name), where()};
    const auto cl = cluster(ctx->cluster);
    if (!cl)
        return Error{u"cluster '%1' (of context '%2') not found"_s.arg(ctx->cluster, name), where()};
    rc.cluster = *cl;
    if (rc.cluster.server.isEmpty())
        return Error{u"cluster '%1' has no server"_s.arg(cl->name), where()};
    if (!rc.cluster.caFile.isEmpty()) {
        auto ca = readSmallFile(rc.cluster.caFile, u"certificate-authority"_s);
        if (!ca.ok())
            return Error{ca.error().message + u" (cluster '%1')"_s.arg(cl->name), where()};
        rc.cluster.caPem = ca.value();
    }
    if (rc.cluster.insecureSkipTlsVerify) {
        rc.warnings << u"WARNING: cluster '%1' has insecure-skip-tls-verify set: the API server's certificate is "
                       "NOT verified, anyone on the network path can impersonate it"_s.arg(cl->name);
    }
    if (!ctx->user.isEmpty()) {
        const auto us = user(ctx->user);
        if (!us)
            return Error{u"user '%1' (of context '%2') not found"_s.arg(ctx->user, name), where()};
        rc.user = *us;
        if (!rc.user.clientCertFile.isEmpty()) {
            auto r = readSmallFile(rc.user.clientCertFile, u"client-certificate"_s);
            if (!r.ok())
                return Error{r.error().message + u" (user '%1')"_s.arg(us->name), where()};
            rc.user.clientCertPem = r.value();
        }
        if (!rc.user.clientKeyFile.isEmpty()) {
            auto r = readSmallFile(rc.user.clientKeyFile, u"client-key"_s);
            if (!r.ok())
                return Error{r.error().message + u" (user '%1')"_s.arg(us->name), where()};
            rc.user.clientKeyPem = r.value();
        }
        if (rc.user.clientCertPem.isEmpty() != rc.user.clientKeyPem.isEmpty())
            return Error{u"user '%1' has a client certificate without a key, or a key without a certificate"_s.arg(
                             us->name),
                         where()};
        if (rc.user.exec) {
            const QString v = rc.user.exec->apiVersion;
            if (v != u"client.authentication.k8s.io/v1"_s && v != u"client.authentication.k8s.io/v1beta1"_s)
                return Error{u"user '%1': exec plugin apiVersion '%2' is not supported (use "
                             "client.authentication.k8s.io/v1 or v1beta1)"_s.arg(us->name, v),
                             where()};
            if (rc.user.exec->command.isEmpty())
                return Error{u"user '%1': exec plugin has no command"_s.arg(us->name), where()};
        }
        if (!rc.user.authProvider.isEmpty() && !rc.user.exec && rc.user.token.isEmpty() && rc.user.tokenFile.isEmpty())
            return Error{u"user '%1' uses the legacy auth-provider '%2', which is not supported; use an exec "
                         "credential plugin"_s.arg(us->name, rc.user.authProvider),
                         where()};
    }
    return rc;
}

} // namespace certrotor::kube
