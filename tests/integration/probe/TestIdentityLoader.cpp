// SPDX-License-Identifier: GPL-3.0-or-later
// IdentityLoader, the one loader of a probe's client identity (the console's Probe panel and
// `certrotor-cli probe` both use it): every outcome with keys made at test time — loaded (plain key,
// encrypted PKCS#8 and traditional encrypted PEM with their passphrase), needs a passphrase (none,
// empty), wrong passphrase, and the plain-words failures (file missing, not a certificate, not a key,
// key of another certificate); then the keyring step against the real Secret Service (with-keyring.sh):
// nothing stored, a stored passphrase used, a stale one reported as wrong, a typed one kept only once
// it has decrypted the key. The result always arrives later, never inside load().
#include "CertFactory.h"
#include "TestUtil.h"
#include "keyring/KeyPassphrase.h"
#include "keyring/Keyring.h"
#include "probe/IdentityLoader.h"
#include "x509/OpenSsl.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <optional>

using namespace certrotor;
using namespace certrotor::test;

Q_DECLARE_METATYPE(certrotor::IdentityLoad)

namespace {

const QByteArray kSecret = "identity-loader-s3cret";

/// `key` as a traditional (OpenSSL "Proc-Type: 4,ENCRYPTED") PEM, the other encrypted form in use.
QByteArray traditionalEncryptedPem(EVP_PKEY* key, const QByteArray& passphrase)
{
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    QByteArray pass = passphrase;
    if (!PEM_write_bio_PrivateKey_traditional(bio.get(), key, EVP_aes_128_cbc(),
                                              reinterpret_cast<unsigned char*>(pass.data()), int(pass.size()), nullptr,
                                              nullptr))
        return {};
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, int(len));
}

QString describe(const IdentityLoad& r)
{
    return IdentityLoad::outcomeName(r.outcome) + QStringLiteral(": ") + r.error.text();
}

} // namespace

class TestIdentityLoader : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    Hierarchy m_clients;
    Issued m_client;
    QString m_cert, m_plainKey, m_encryptedKey, m_traditionalKey, m_otherKey, m_junk;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    /// One load through the asynchronous loader; checks that the answer comes later, not inside load().
    IdentityLoad load(IdentityLoader& loader, const IdentityRequest& request)
    {
        QSignalSpy finished(&loader, &IdentityLoader::finished);
        loader.load(request);
        if (!finished.isEmpty()) {
            IdentityLoad early;
            early.error = Error { QStringLiteral("TEST: finished came inside load()"), {} };
            return early;
        }
        if (!loader.isLoading() || !finished.wait(20000) || finished.size() != 1) {
            IdentityLoad none;
            none.error = Error { QStringLiteral("TEST: no single answer"), {} };
            return none;
        }
        return finished.first().first().value<IdentityLoad>();
    }
    IdentityLoad load(const QString& cert, const QString& key, const QByteArray& passphrase = {})
    {
        IdentityLoader loader;
        return load(loader, IdentityRequest { cert, key, passphrase, false, false });
    }

    std::optional<QByteArray> keyringEntry(const QString& account)
    {
        Keyring keyring;
        std::optional<Result<std::optional<QByteArray>>> got;
        keyring.read(account, [&](Result<std::optional<QByteArray>> r) { got = std::move(r); });
        if (!QTest::qWaitFor([&] { return got.has_value(); }, 15000) || !got->ok())
            return std::nullopt;
        return got->value();
    }
    bool setKeyringEntry(const QString& account, const QByteArray& secret)
    {
        Keyring keyring;
        std::optional<bool> written;
        keyring.write(account, secret, [&](Result<std::monostate> r) { written = r.ok(); });
        return QTest::qWaitFor([&] { return written.has_value(); }, 15000) && *written;
    }
    bool removeKeyringEntry(const QString& account)
    {
        Keyring keyring;
        std::optional<bool> done;
        keyring.remove(account, [&](Result<bool> r) { done = r.ok(); });
        return QTest::qWaitFor([&] { return done.has_value(); }, 15000) && *done;
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<IdentityLoad>();
        QVERIFY(m_dir.isValid());
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        m_clients = makeHierarchy(now, QStringLiteral("Loader Clients"));
        m_client = issueClientCertificate(now, m_clients);
        QVERIFY(m_client.cert);
        const Hierarchy other = makeHierarchy(now, QStringLiteral("Other"));
        m_cert = path(QStringLiteral("client.pem"));
        m_plainKey = path(QStringLiteral("client.key"));
        m_encryptedKey = path(QStringLiteral("client-encrypted.key"));
        m_traditionalKey = path(QStringLiteral("client-traditional.key"));
        m_otherKey = path(QStringLiteral("other.key"));
        m_junk = path(QStringLiteral("junk.pem"));
        QVERIFY(writeFile(m_cert, m_client.pem() + m_clients.intermediate.pem()));
        QVERIFY(writeFile(m_plainKey, m_client.keyPem()));
        const QByteArray encrypted = m_client.encryptedKeyPem(kSecret);
        QVERIFY(encrypted.contains("BEGIN ENCRYPTED PRIVATE KEY"));
        QVERIFY(writeFile(m_encryptedKey, encrypted));
        const QByteArray traditional = traditionalEncryptedPem(m_client.key.get(), kSecret);
        QVERIFY(traditional.contains("Proc-Type: 4,ENCRYPTED"));
        QVERIFY(writeFile(m_traditionalKey, traditional));
        QVERIFY(writeFile(m_otherKey, other.leaf.keyPem()));
        QVERIFY(writeFile(m_junk, "neither a certificate nor a key\n"));
    }

    void loadsAPlainKey()
    {
        const IdentityLoad r = load(m_cert, m_plainKey);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(r.identity.certificate.toDer(), m_client.der());
        QCOMPARE(r.identity.chain.size(), 1);
        QVERIFY(!r.identity.key.isNull());
        QCOMPARE(r.passphraseSource, IdentityLoad::PassphraseSource::None);
        QCOMPARE(r.keyringLookup, IdentityLoad::KeyringLookup::NotAsked);
        QCOMPARE(r.keyringAccount, keyring::keyPassphraseAccount(readFile(m_plainKey)));
        // A passphrase given for a key that needs none is not an error.
        const IdentityLoad extra = load(m_cert, m_plainKey, "unneeded");
        QVERIFY2(extra.ok(), qPrintable(describe(extra)));
    }

    void encryptedKeysNeedTheirPassphrase_data()
    {
        QTest::addColumn<QString>("key");
        QTest::newRow("PKCS#8 ENCRYPTED PRIVATE KEY") << m_encryptedKey;
        QTest::newRow("traditional Proc-Type ENCRYPTED") << m_traditionalKey;
    }
    void encryptedKeysNeedTheirPassphrase()
    {
        QFETCH(QString, key);
        const IdentityLoad none = load(m_cert, key);
        QCOMPARE(none.outcome, IdentityLoad::Outcome::NeedsPassphrase);
        QCOMPARE(none.error.code, identitycode::needsPassphrase);
        QCOMPARE(none.error.where, key);
        QVERIFY(none.identity.isNull());
        const IdentityLoad empty = load(m_cert, key, QByteArray(""));
        QCOMPARE(empty.outcome, IdentityLoad::Outcome::NeedsPassphrase);

        const IdentityLoad wrong = load(m_cert, key, "not-the-passphrase");
        QCOMPARE(wrong.outcome, IdentityLoad::Outcome::WrongPassphrase);
        QCOMPARE(wrong.error.code, identitycode::wrongPassphrase);
        QCOMPARE(wrong.error.text(), key + QStringLiteral(": the passphrase does not decrypt the private key"));
        QVERIFY(!wrong.error.text().contains(QLatin1String("not-the-passphrase")));
        QCOMPARE(wrong.passphraseSource, IdentityLoad::PassphraseSource::Given);

        const IdentityLoad right = load(m_cert, key, kSecret);
        QVERIFY2(right.ok(), qPrintable(describe(right)));
        QCOMPARE(right.identity.certificate.toDer(), m_client.der());
        QCOMPARE(right.passphraseSource, IdentityLoad::PassphraseSource::Given);
    }

    void failuresSayWhatIsWrong_data()
    {
        QTest::addColumn<QString>("cert");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("words");
        const QString nope = path(QStringLiteral("nope.pem"));
        QTest::newRow("certificate missing")
            << nope << m_plainKey << identitycode::unreadable << nope << QStringLiteral("cannot read");
        QTest::newRow("key missing") << m_cert << nope << identitycode::unreadable << nope
                                     << QStringLiteral("cannot read");
        QTest::newRow("not a certificate")
            << m_junk << m_plainKey << identitycode::noCertificate << m_junk << QStringLiteral("no certificate found");
        QTest::newRow("not a key") << m_cert << m_junk << identitycode::noKey << m_junk
                                   << QStringLiteral("no private key found");
        QTest::newRow("key of another certificate") << m_cert << m_otherKey << identitycode::keyMismatch << m_otherKey
                                                    << QStringLiteral("does not belong to the certificate");
    }
    void failuresSayWhatIsWrong()
    {
        QFETCH(QString, cert);
        QFETCH(QString, key);
        QFETCH(QString, code);
        QFETCH(QString, where);
        QFETCH(QString, words);
        const IdentityLoad r = load(cert, key);
        QCOMPARE(r.outcome, IdentityLoad::Outcome::Failed);
        QCOMPARE(r.error.code, code);
        QCOMPARE(r.error.where, where);
        QVERIFY2(r.error.message.contains(words), qPrintable(r.error.text()));
        QVERIFY(r.identity.isNull());
    }

    // A load superseded by another never reports; cancel() drops the one under way.
    void laterLoadsWin()
    {
        IdentityLoader loader;
        QSignalSpy finished(&loader, &IdentityLoader::finished);
        loader.load(IdentityRequest { m_junk, m_plainKey, {}, false, false });
        loader.load(IdentityRequest { m_cert, m_plainKey, {}, false, false });
        QVERIFY(finished.wait(20000));
        QTest::qWait(200);
        QCOMPARE(finished.size(), 1);
        QVERIFY(finished.first().first().value<IdentityLoad>().ok());
        QVERIFY(!loader.isLoading());

        loader.load(IdentityRequest { m_cert, m_plainKey, {}, false, false });
        QVERIFY(loader.isLoading());
        loader.cancel();
        QVERIFY(!loader.isLoading());
        QTest::qWait(300);
        QCOMPARE(finished.size(), 1);
    }

    // The keyring step (the real Secret Service of this test's D-Bus session).
    void keyringSuppliesKeepsAndReportsPassphrases()
    {
        const QString account = keyring::keyPassphraseAccount(readFile(m_encryptedKey));
        QVERIFY(removeKeyringEntry(account));
        QVERIFY(!keyringEntry(account).has_value());
        Keyring keyring;
        IdentityLoader loader(&keyring);

        // Nothing stored: needs a passphrase, and says the keyring had none.
        IdentityLoad r = load(loader, IdentityRequest { m_cert, m_encryptedKey, {}, true, false });
        QCOMPARE(r.outcome, IdentityLoad::Outcome::NeedsPassphrase);
        QCOMPARE(r.keyringLookup, IdentityLoad::KeyringLookup::NoneStored);
        QCOMPARE(r.keyringAccount, account);

        // A plain key never asks the keyring.
        r = load(loader, IdentityRequest { m_cert, m_plainKey, {}, true, false });
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(r.keyringLookup, IdentityLoad::KeyringLookup::NotAsked);

        // A wrong typed passphrase with "keep": refused, and nothing is kept.
        QSignalSpy kept(&loader, &IdentityLoader::passphraseKept);
        r = load(loader, IdentityRequest { m_cert, m_encryptedKey, "typo", false, true });
        QCOMPARE(r.outcome, IdentityLoad::Outcome::WrongPassphrase);
        QTest::qWait(300);
        QCOMPARE(kept.size(), 0);
        QVERIFY(!keyringEntry(account).has_value());

        // The right one with "keep": loaded, then kept.
        r = load(loader, IdentityRequest { m_cert, m_encryptedKey, kSecret, false, true });
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QVERIFY(kept.size() == 1 || kept.wait(15000));
        QCOMPARE(kept.first().at(0).toString(), m_encryptedKey);
        QVERIFY2(kept.first().at(1).toBool(), qPrintable(kept.first().at(2).toString()));
        QCOMPARE(keyringEntry(account), std::optional<QByteArray>(kSecret));

        // Stored: the keyring supplies it.
        r = load(loader, IdentityRequest { m_cert, m_encryptedKey, {}, true, false });
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(r.passphraseSource, IdentityLoad::PassphraseSource::Keyring);
        QCOMPARE(r.keyringLookup, IdentityLoad::KeyringLookup::Found);
        // Without lookUpKeyring it is not asked.
        r = load(loader, IdentityRequest { m_cert, m_encryptedKey, {}, false, false });
        QCOMPARE(r.outcome, IdentityLoad::Outcome::NeedsPassphrase);
        QCOMPARE(r.keyringLookup, IdentityLoad::KeyringLookup::NotAsked);

        // Stale: a wrong passphrase, from the keyring, never repeated.
        QVERIFY(setKeyringEntry(account, "stale-passphrase"));
        r = load(loader, IdentityRequest { m_cert, m_encryptedKey, {}, true, false });
        QCOMPARE(r.outcome, IdentityLoad::Outcome::WrongPassphrase);
        QCOMPARE(r.passphraseSource, IdentityLoad::PassphraseSource::Keyring);
        QVERIFY(!r.error.text().contains(QLatin1String("stale-passphrase")));
        QVERIFY(removeKeyringEntry(account));
    }
};

QTEST_GUILESS_MAIN(TestIdentityLoader)
#include "TestIdentityLoader.moc"
