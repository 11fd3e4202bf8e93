// SPDX-License-Identifier: GPL-3.0-or-later
// kubeconfig loading and merging as kubectl does it; secret:// URIs. No network.
#include "kube/KubeCatalog.h"
#include "kube/KubeSecretSource.h"
#include "kube/Kubeconfig.h"

#include "CertFactory.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace certrotor;
using namespace certrotor::kube;

class TestKubeconfig : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString write(const QString& name, const QByteArray& yaml)
    {
        const QString path = m_dir.filePath(name);
        if (!test::writeFile(path, yaml))
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }

private Q_SLOTS:
    void singleFileCurrentContext()
    {
        const QString ca = write(u"certs/ca.pem"_s, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        Q_UNUSED(ca);
        const QString path = write(u"one.yaml"_s, R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority: certs/ca.pem
    tls-server-name: kubernetes.internal
contexts:
- name: dev
  context: {cluster: c1, user: u1, namespace: team-a}
- name: nons
  context: {cluster: c1, user: u1}
users:
- name: u1
  user:
    token: s3cr3t-token
)");
        auto cfg = Kubeconfig::loadFiles({path});
        QVERIFY2(cfg.ok(), qPrintable(cfg.ok() ? QString() : cfg.error().text()));
        QCOMPARE(cfg.value().currentContext(), u"dev"_s);
        QCOMPARE(cfg.value().contextNames(), (QStringList{u"dev"_s, u"nons"_s}));
        auto rc = cfg.value().restConfig();
        QVERIFY2(rc.ok(), qPrintable(rc.ok() ? QString() : rc.error().text()));
        QCOMPARE(rc.value().nameSpace, u"team-a"_s);
        QCOMPARE(rc.value().cluster.server, u"https://10.0.0.1:6443"_s);
        QCOMPARE(rc.value().cluster.tlsServerName, u"kubernetes.internal"_s);
        // relative paths resolve against the kubeconfig's directory, and the file is read
        QCOMPARE(rc.value().cluster.caFile, m_dir.filePath(u"certs/ca.pem"_s));
        QVERIFY(rc.value().cluster.caPem.startsWith("-----BEGIN CERTIFICATE-----"));
        QCOMPARE(rc.value().user.token, QByteArray("s3cr3t-token"));
        QVERIFY(rc.value().warnings.isEmpty());
        // a context without namespace gets "default"
        auto rc2 = cfg.value().restConfig(u"nons"_s);
        QVERIFY(rc2.ok());
        QCOMPARE(rc2.value().nameSpace, u"default"_s);
    }

    void mergeFirstWins()
    {
        // kubectl: the first file to set a map key (cluster/user/context name) or current-context wins.
        const QString a = write(u"a.yaml"_s, R"(clusters:
- name: shared
  cluster: {server: "https://first:6443"}
users:
- name: shared-user
  user: {token: first-token}
contexts:
- name: ctx-a
  context: {cluster: shared, user: shared-user}
)");
        const QString b = write(u"b.yaml"_s, R"(current-context: ctx-b
clusters:
- name: shared
  cluster: {server: "https://second:6443"}
- name: only-b
  cluster: {server: "https://b:6443", insecure-skip-tls-verify: true}
users:
- name: shared-user
  user: {token: second-token}
contexts:
- name: ctx-b
  context: {cluster: only-b, user: shared-user, namespace: bns}
- name: ctx-a
  context: {cluster: only-b, user: shared-user}
)");
        const QString c = write(u"c.yaml"_s, "current-context: ctx-a\n");
        const QString missing = m_dir.filePath(u"does-not-exist.yaml"_s);
        qputenv("KUBECONFIG", (a + u':' + missing + u"::"_s + b + u':' + c + u':' + a).toUtf8());
        const QStringList paths = Kubeconfig::defaultPaths();
        QCOMPARE(paths.size(), 4); // empty entries dropped, the duplicate of a too
        auto cfg = Kubeconfig::loadDefault();
        qunsetenv("KUBECONFIG");
        QVERIFY2(cfg.ok(), qPrintable(cfg.ok() ? QString() : cfg.error().text()));
        QCOMPARE(cfg.value().currentContext(), u"ctx-b"_s); // b sets it first (a does not set it)
        QCOMPARE(cfg.value().cluster(u"shared"_s)->server, u"https://first:6443"_s);
        QCOMPARE(cfg.value().user(u"shared-user"_s)->token, QByteArray("first-token"));
        QCOMPARE(cfg.value().context(u"ctx-a"_s)->cluster, u"shared"_s);
        const QList<ContextInfo> contexts = listContexts(cfg.value());
        QCOMPARE(contexts.size(), 2);
        QCOMPARE(contexts.at(0).name, u"ctx-a"_s);
        QCOMPARE(contexts.at(0).server, u"https://first:6443"_s);
        QCOMPARE(contexts.at(0).nameSpace, u"default"_s);
        QVERIFY(!contexts.at(0).current);
        QCOMPARE(contexts.at(1).name, u"ctx-b"_s);
        QCOMPARE(contexts.at(1).nameSpace, u"bns"_s);
        QVERIFY(contexts.at(1).current);
        auto rc = cfg.value().restConfig();
        QVERIFY(rc.ok());
        QCOMPARE(rc.value().cluster.server, u"https://b:6443"_s);
        QCOMPARE(rc.value().nameSpace, u"bns"_s);
        QCOMPARE(rc.value().user.token, QByteArray("first-token"));
        // insecure-skip-tls-verify is honoured only with a visible warning
        QVERIFY(rc.value().cluster.insecureSkipTlsVerify);
        QCOMPARE(rc.value().warnings.size(), 1);
        QVERIFY(rc.value().warnings.first().contains(u"insecure-skip-tls-verify"_s));
        QVERIFY(rc.value().warnings.first().contains(u"only-b"_s));
    }

    void defaultHomeConfig()
    {
        // Without $KUBECONFIG, ~/.kube/config (HOME is isolated by the test harness).
        qunsetenv("KUBECONFIG");
        QCOMPARE(Kubeconfig::defaultPaths(), QStringList{QDir::homePath() + u"/.kube/config"_s});
        QVERIFY(test::writeFile(QDir::homePath() + u"/.kube/config"_s,
                                "current-context: h\ncontexts:\n- name: h\n  context: {cluster: hc}\nclusters:\n- name: hc\n  cluster: {server: 'https://home:1'}\n"));
        auto cfg = Kubeconfig::loadDefault();
        QVERIFY(cfg.ok());
        QCOMPARE(cfg.value().restConfig().value().cluster.server, u"https://home:1"_s);
        QFile::remove(QDir::homePath() + u"/.kube/config"_s);
        auto none = Kubeconfig::loadDefault();
        QVERIFY(!none.ok());
        QVERIFY(none.error().text().contains(u"no kubeconfig found"_s));
    }

    void dataFieldsAndExec()
    {
        const QByteArray certPem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        const QByteArray keyPem = "-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n";
        const QString path = write(u"data.yaml"_s, "current-context: x\nclusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
                                                   "    certificate-authority-data: " + certPem.toBase64() + "\n"
                                                   "    certificate-authority: /nonexistent/ignored.pem\n"
                                                   "users:\n- name: certuser\n  user:\n"
                                                   "    client-certificate-data: " + certPem.toBase64() + "\n"
                                                   "    client-key-data: " + keyPem.toBase64() + "\n"
                                                   "- name: execuser\n  user:\n    exec:\n"
                                                   "      apiVersion: client.authentication.k8s.io/v1\n"
                                                   "      command: ./bin/plugin\n      args: [get-token, --fast]\n"
                                                   "      env:\n      - {name: FOO, value: bar}\n"
                                                   "      provideClusterInfo: true\n      interactiveMode: Never\n"
                                                   "- name: pathexec\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}\n"
                                                   "- name: badexec\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}\n"
                                                   "contexts:\n- name: x\n  context: {cluster: c, user: certuser}\n"
                                                   "- name: e\n  context: {cluster: c, user: execuser}\n"
                                                   "- name: p\n  context: {cluster: c, user: pathexec}\n"
                                                   "- name: bad\n  context: {cluster: c, user: badexec}\n");
        auto cfg = Kubeconfig::loadFiles({path});
        QVERIFY(cfg.ok());
        auto rc = cfg.value().restConfig();
        QVERIFY2(rc.ok(), qPrintable(rc.ok() ? QString() : rc.error().text()));
        QCOMPARE(rc.value().cluster.caPem, certPem); // data overrides the file
        QCOMPARE(rc.value().user.clientCertPem, certPem);
        QCOMPARE(rc.value().user.clientKeyPem, keyPem);
        auto e = cfg.value().restConfig(u"e"_s);
        QVERIFY(e.ok());
        QVERIFY(e.value().user.exec.has_value());
        QCOMPARE(e.value().user.exec->command, m_dir.filePath(u"bin/plugin"_s)); // a path: resolved
        QCOMPARE(e.value().user.exec->args, (QStringList{u"get-token"_s, u"--fast"_s}));
        QCOMPARE(e.value().user.exec->env.value(0).first, u"FOO"_s);
        QVERIFY(e.value().user.exec->provideClusterInfo);
        auto p = cfg.value().restConfig(u"p"_s);
        QCOMPARE(p.value().user.exec->command, u"aws"_s); // a bare name: looked up in PATH, not resolved
        auto bad = cfg.value().restConfig(u"bad"_s);
        QVERIFY(!bad.ok());
        QVERIFY(bad.error().text().contains(u"v1alpha1"_s));
    }

    void errorsArePlainAndLocated()
    {
        const QString path = write(u"err.yaml"_s, "current-context: ghost\ncontexts:\n- name: real\n  context: {cluster: nowhere, user: nobody}\n"
                                                  "- name: f\n  context: {cluster: c, user: fileuser}\n"
                                                  "users:\n- name: fileuser\n  user: {client-certificate: missing.crt, client-key: missing.key}\n"
                                                  "- name: tok\n  user: {token: never-show-this-token}\n"
                                                  "clusters:\n- name: c\n  cluster: {server: 'https://x:1'}\n");
        auto cfg = Kubeconfig::loadFiles({path});
        QVERIFY(cfg.ok());
        auto ghost = cfg.value().restConfig();
        QVERIFY(!ghost.ok());
        QCOMPARE(ghost.error().text(), u"kubeconfig %1: context 'ghost' not found"_s.arg(path));
        auto foo = cfg.value().restConfig(u"foo"_s);
        QCOMPARE(foo.error().text(), u"kubeconfig %1: context 'foo' not found"_s.arg(path));
        auto real = cfg.value().restConfig(u"real"_s);
        QVERIFY(!real.ok());
        QVERIFY(real.error().text().contains(u"cluster 'nowhere'"_s));

        // invalid YAML: located, no exception escapes
        const QString broken = write(u"broken.yaml"_s, "clusters:\n- name: [unclosed\n  cluster: {server: x\n");
        auto b = Kubeconfig::loadFiles({broken});
        QVERIFY(!b.ok());
        QVERIFY2(b.error().text().startsWith(u"kubeconfig "_s + broken + u": invalid YAML at line"_s),
                 qPrintable(b.error().text()));
        // a scalar document, wrong types in fields: no crash
        auto s = Kubeconfig::parse("just a string", u"/s.yaml"_s);
        QVERIFY(!s.ok());
        auto weird = Kubeconfig::parse("clusters: 5\nusers: {a: b}\ncontexts:\n- 7\n- name: {x: y}\n", u"/w.yaml"_s);
        QVERIFY2(weird.ok(), qPrintable(weird.ok() ? QString() : weird.error().text()));
        QVERIFY(weird.value().contextNames().isEmpty());
        // bad base64
        auto b64 = Kubeconfig::parse("clusters:\n- name: c\n  cluster: {certificate-authority-data: '!!!notbase64'}\n", u"/b.yaml"_s);
        QVERIFY(!b64.ok());
        QVERIFY(b64.error().text().contains(u"certificate-authority-data of cluster 'c' is not valid base64"_s));
        // unreadable client certificate file, named in the error; never a token in any error
        auto f = cfg.value().restConfig(u"f"_s);
        QVERIFY(!f.ok());
        QVERIFY(f.error().text().contains(m_dir.filePath(u"missing.crt"_s)));
        for (const QString& t : {ghost.error().text(), real.error().text(), f.error().text()})
            QVERIFY(!t.contains(u"never-show-this-token"_s));
    }

    void secretUris()
    {
        auto a = KubeObjectRef::parse(u"secret://ns1/my-ca"_s);
        QVERIFY(a.ok());
        QCOMPARE(a.value().context, QString());
        QCOMPARE(a.value().nameSpace, u"ns1"_s);
        QCOMPARE(a.value().name, u"my-ca"_s);
        QCOMPARE(a.value().key, QString());
        auto b = KubeObjectRef::parse(u"secret://prod/ns1/my-ca#ca-bundle.crt"_s);
        QCOMPARE(b.value().context, u"prod"_s);
        QCOMPARE(b.value().key, u"ca-bundle.crt"_s);
        // EKS context names contain '/'
        auto c = KubeObjectRef::parse(
            u"secret://arn:aws:eks:eu-west-1:123:cluster/prod/istio-system/cacerts#root-cert.pem"_s);
        QCOMPARE(c.value().context, u"arn:aws:eks:eu-west-1:123:cluster/prod"_s);
        QCOMPARE(c.value().nameSpace, u"istio-system"_s);
        QCOMPARE(c.value().name, u"cacerts"_s);
        QCOMPARE(c.value().key, u"root-cert.pem"_s);
        auto cm = KubeObjectRef::parse(u"configmap://istio-system/trust-bundle#ca.crt"_s);
        QCOMPARE(cm.value().kind, KubeObjectRef::Kind::ConfigMap);
        QCOMPARE(cm.value().apiPath(), u"/api/v1/namespaces/istio-system/configmaps/trust-bundle"_s);
        for (const QString& bad :
             { u"secret://only"_s, u"file:///x"_s, u"secret://ns/"_s, u"secret://ns/name#"_s, u"configmap://only"_s })
            QVERIFY2(!KubeObjectRef::parse(bad).ok(), qPrintable(bad));
        QString err;
        qputenv("KUBECONFIG", m_dir.filePath(u"none.yaml"_s).toUtf8());
        QVERIFY(!KubeSecretSource::fromUri(u"configmap://ns/name"_s, &err));
        qunsetenv("KUBECONFIG");
        QVERIFY(err.contains(u"no kubeconfig found"_s));
    }
};

QTEST_GUILESS_MAIN(TestKubeconfig)
#include "TestKubeconfig.moc"
