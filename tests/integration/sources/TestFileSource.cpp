// SPDX-License-Identifier: GPL-3.0-or-later
// FileSource against the real file system and inotify: every way a bundle file really changes is
// delivered exactly once per real change, identical rewrites are not, and the watch survives.
#include "CertFactory.h"
#include "TestUtil.h"
#include "SourceTestUtil.h"
#include "FileUpdates.h"
#include "sources/FileSource.h"

#include <QCryptographicHash>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QStandardPaths>
#include <QTest>

#include <atomic>

using namespace certrotor;
using namespace certrotor::test;

Q_DECLARE_METATYPE(certrotor::test::UpdatePattern)


class TestFileSource : public QObject
{
    Q_OBJECT

private:
    QByteArray ca(const QString& cn)
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        CertSpec spec;
        spec.commonName = cn;
        spec.isCA = true;
        spec.notBefore = now - kSecondsPerDay;
        spec.notAfter = now + 365 * kSecondsPerDay;
        const Issued issued = issue(spec, makeKey());
        return issued.pem();
    }

    // Each call: a distinct bundle of one or two certificates, so every write is a real change.
    QByteArray nextBundle()
    {
        const int n = ++m_counter;
        QByteArray pem = m_pool.at(n % m_pool.size());
        if (n % 2 == 0)
            pem += m_pool.at((n + 1) % m_pool.size());
        // The comment makes the bytes unique even when the certificates repeat.
        return "# generation " + QByteArray::number(n) + "\n" + pem;
    }

    QList<QByteArray> m_pool;
    int m_counter = 0;

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<SourceUpdate>();
        for (int i = 0; i < 4; ++i)
            m_pool << ca(QStringLiteral("Watch CA %1").arg(i));
        for (const QByteArray& pem : std::as_const(m_pool))
            QVERIFY(!pem.isEmpty());
    }

    void initialReadIsDelivered()
    {
        QTemporaryDir tmp;
        const QString path = tmp.filePath(QStringLiteral("ca.pem"));
        const QByteArray content = m_pool[0] + m_pool[1];
        QVERIFY(writeInPlace(path, content));
        FileSource source(path);
        QSignalSpy updates(&source, &Source::updated);
        source.start();
        QVERIFY(updates.wait(kWaitMs));
        const SourceUpdate u = updateAt(updates, 0);
        QCOMPARE(u.revision, hexSha(content));
        QVERIFY(u.bundle);
        QCOMPARE(u.bundle->entries.size(), 2);
        QCOMPARE(u.bundle->entries[0].source.file, source.id());
        QCOMPARE(u.detectionLatencyMs, -1); // the first read was not caused by a change
        QVERIFY(u.seenAt.isValid());
        QCOMPARE(source.status(), Source::Status::Watching);
        QVERIFY(source.lastError().isEmpty());
        QVERIFY(source.watchedPaths().contains(source.id()));
        QVERIFY(source.watchedPaths().contains(QFileInfo(source.id()).absolutePath()));
        QCOMPARE(source.current().revision, u.revision);

        source.stop();
        QCOMPARE(source.status(), Source::Status::Idle);
        QVERIFY(source.watchedPaths().isEmpty());
    }

    void eachPatternExactlyOnce_data()
    {
        QTest::addColumn<UpdatePattern>("pattern");
        QTest::newRow("in-place") << UpdatePattern::InPlace;
        QTest::newRow("temp+rename") << UpdatePattern::TempRename;
        QTest::newRow("delete+recreate") << UpdatePattern::DeleteRecreate;
        QTest::newRow("kubelet-atomic-writer") << UpdatePattern::Kubelet;
    }

    // Three real changes -> exactly three updates with the right revisions; an identical rewrite
    // (same pattern) is read and not delivered; a final sentinel write shows nothing extra slipped in
    // and that the watch is still armed after every pattern.
    void eachPatternExactlyOnce()
    {
        QFETCH(UpdatePattern, pattern);
        QTemporaryDir tmp;
        KubeletVolume volume(tmp.filePath(QStringLiteral("volume")));
        const bool kubelet = pattern == UpdatePattern::Kubelet;
        const QString path = kubelet ? volume.path(QStringLiteral("ca.crt")) : tmp.filePath(QStringLiteral("ca.pem"));
        QByteArray content = nextBundle();
        QVERIFY(kubelet ? volume.write({{QStringLiteral("ca.crt"), content}}) : writeInPlace(path, content));

        FileSource source(path);
        QSignalSpy updates(&source, &Source::updated);
        QSignalSpy reads(&source, &FileSource::readCompleted);
        source.start();
        QVERIFY(updates.wait(kWaitMs));
        QCOMPARE(updateAt(updates, 0).revision, hexSha(content));

        for (int round = 1; round <= 3; ++round) {
            content = nextBundle();
            QVERIFY(applyUpdate(pattern, path, content, &volume));
            QTRY_COMPARE_WITH_TIMEOUT(updates.size(), round + 1, kWaitMs);
            const SourceUpdate u = updateAt(updates, round);
            QCOMPARE(u.revision, hexSha(content));
            QCOMPARE(u.bundle->contentSha256.toHex(), hexSha(content).toLatin1());
            QVERIFY2(u.detectionLatencyMs >= 0, "a watched change has a measured latency");
            QCOMPARE(source.status(), Source::Status::Watching);
        }

        // The same bytes again, through the same pattern: read, compared, not delivered.
        reads.clear();
        QVERIFY(applyUpdate(pattern, path, content, &volume));
        QTRY_VERIFY_WITH_TIMEOUT(!reads.isEmpty(), kWaitMs);
        for (const QList<QVariant>& r : std::as_const(reads)) {
            QCOMPARE(r.at(0).toString(), hexSha(content));
            QCOMPARE(r.at(1).toBool(), false);
        }
        QCOMPARE(updates.size(), 4);

        // Sentinel, written in place (through the symlink for the volume): the file watch itself was
        // re-armed on the current inode after the pattern (a directory watch does not report writes
        // into a file), and no late duplicate of an earlier change got in before it.
        const QByteArray sentinel = nextBundle();
        QVERIFY(writeInPlace(path, sentinel));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 5, kWaitMs);
        QCOMPARE(updateAt(updates, 4).revision, hexSha(sentinel));
        if (kubelet) {
            // Never the timestamped directory or ..data itself: those watches die with each update.
            for (const QString& w : source.watchedPaths())
                QVERIFY2(!QFileInfo(w).fileName().startsWith(QLatin1String("..")), qPrintable(w));
        }
    }

    void burstIsCoalesced()
    {
        QTemporaryDir tmp;
        const QString path = tmp.filePath(QStringLiteral("ca.pem"));
        QVERIFY(writeInPlace(path, nextBundle()));
        FileSource source(path);
        QSignalSpy updates(&source, &Source::updated);
        source.start();
        QVERIFY(updates.wait(kWaitMs));
        QByteArray last;
        for (int i = 0; i < 5; ++i) { // one burst: truncate + write five times
            last = nextBundle();
            QVERIFY(writeInPlace(path, last));
        }
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 2, kWaitMs);
        QCOMPARE(updateAt(updates, 1).revision, hexSha(last));
        const QByteArray sentinel = nextBundle();
        QVERIFY(writeInPlace(path, sentinel));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 3, kWaitMs);
        QCOMPARE(updateAt(updates, 2).revision, hexSha(sentinel));
    }

    void missingFileAppearsLater()
    {
        QTemporaryDir tmp;
        // Neither the file nor its directory exists yet: the nearest existing ancestor is watched.
        const QString path = tmp.filePath(QStringLiteral("later/ca.pem"));
        FileSource source(path);
        QSignalSpy updates(&source, &Source::updated);
        QSignalSpy statuses(&source, &Source::statusChanged);
        source.start();
        QTRY_COMPARE_WITH_TIMEOUT(source.status(), Source::Status::Error, kWaitMs);
        QCOMPARE(source.lastError(), QStringLiteral("waiting for %1 to appear").arg(path));
        QVERIFY(updates.isEmpty());
        QVERIFY(source.watchedPaths().contains(tmp.path()));

        QVERIFY(QDir().mkpath(tmp.filePath(QStringLiteral("later"))));
        const QByteArray content = nextBundle();
        QVERIFY(writeInPlace(path, content));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 1, kWaitMs);
        QCOMPARE(updateAt(updates, 0).revision, hexSha(content));
        QCOMPARE(source.status(), Source::Status::Watching);

        // Deleted: the last bundle stays, the status says what we wait for.
        QVERIFY(QFile::remove(path));
        QTRY_COMPARE_WITH_TIMEOUT(source.status(), Source::Status::Error, kWaitMs);
        QVERIFY(source.lastError().startsWith(QLatin1String("waiting for")));
        QCOMPARE(source.current().revision, hexSha(content));

        // Recreated with the same bytes: back to Watching, nothing delivered (nothing changed).
        QSignalSpy reads(&source, &FileSource::readCompleted);
        QVERIFY(writeInPlace(path, content));
        QTRY_COMPARE_WITH_TIMEOUT(source.status(), Source::Status::Watching, kWaitMs);
        QCOMPARE(updates.size(), 1);

        // Recreated with other bytes later: delivered once.
        QVERIFY(QFile::remove(path));
        QTRY_COMPARE_WITH_TIMEOUT(source.status(), Source::Status::Error, kWaitMs);
        const QByteArray next = nextBundle();
        QVERIFY(writeInPlace(path, next));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 2, kWaitMs);
        QCOMPARE(updateAt(updates, 1).revision, hexSha(next));
        QCOMPARE(source.status(), Source::Status::Watching);
    }

    void garbageGivesLocatedErrorAndRecovers()
    {
        QTemporaryDir tmp;
        const QString path = tmp.filePath(QStringLiteral("ca.pem"));
        QVERIFY(writeInPlace(path, m_pool[0]));
        FileSource source(path);
        QSignalSpy updates(&source, &Source::updated);
        source.start();
        QVERIFY(updates.wait(kWaitMs));

        // A good block, then a block whose base64 is broken: delivered with its issue, status names it.
        const QByteArray garbage = m_pool[1] + "-----BEGIN CERTIFICATE-----\nMIIB!!!not*base64\n-----END CERTIFICATE-----\n";
        QVERIFY(writeInPlace(path, garbage));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 2, kWaitMs);
        const SourceUpdate u = updateAt(updates, 1);
        QVERIFY(u.bundle->hasErrors());
        QCOMPARE(u.bundle->entries.size(), 1);
        QCOMPARE(source.status(), Source::Status::Error);
        QVERIFY2(source.lastError().startsWith(source.id() + QStringLiteral(": block 2, line ")),
                 qPrintable(source.lastError()));

        // Binary junk: no crash, a located error.
        QVERIFY(writeInPlace(path, QByteArray("\x01\x02\x03garbage\xff", 11)));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 3, kWaitMs);
        QCOMPARE(updateAt(updates, 2).bundle->entries.size(), 0);
        QVERIFY2(source.lastError().startsWith(source.id() + QStringLiteral(": ")), qPrintable(source.lastError()));

        QVERIFY(writeInPlace(path, m_pool[2]));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 4, kWaitMs);
        QCOMPARE(source.status(), Source::Status::Watching);
        QVERIFY(source.lastError().isEmpty());
    }

    void unreadableFileIsAnError()
    {
        QTemporaryDir tmp;
        const QString path = tmp.filePath(QStringLiteral("ca.pem"));
        QVERIFY(writeInPlace(path, m_pool[0]));
        QVERIFY(QFile::setPermissions(path, QFileDevice::WriteOwner));
        if (::geteuid() == 0) {
            // Root reads files whatever their mode: watch as an unprivileged user instead (setpriv,
            // util-linux), through the CLI that drives the same FileSource.
            const QString setpriv = QStandardPaths::findExecutable(QStringLiteral("setpriv"));
            QVERIFY2(!setpriv.isEmpty(), "setpriv (util-linux) is needed to drop root for this test");
            QVERIFY(QFile::setPermissions(tmp.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                                          | QFileDevice::ReadOther | QFileDevice::ExeOther));
            const ProcessResult r = runProcess(setpriv, {QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
                                                         QStringLiteral("--clear-groups"), QStringLiteral(CERTROTOR_CLI_PATH),
                                                         QStringLiteral("watch"), QStringLiteral("--exit-after-ms"),
                                                         QStringLiteral("1500"), path});
            QCOMPARE(r.exitCode, 0);
            QVERIFY2(r.out.contains(QByteArray("status=error: " + path.toUtf8() + ": cannot read")), r.out.constData());
            return;
        }
        FileSource source(path);
        source.start();
        QTRY_COMPARE_WITH_TIMEOUT(source.status(), Source::Status::Error, kWaitMs);
        QVERIFY2(source.lastError().contains(QLatin1String("cannot read")), qPrintable(source.lastError()));
    }

    // Not a CA bundle: too big to read. A clear error, nothing delivered, and the watch goes on.
    void oversizedFileIsAnError()
    {
        QTemporaryDir tmp;
        const QString path = tmp.filePath(QStringLiteral("huge.pem"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QVERIFY(f.resize(65LL * 1024 * 1024)); // sparse: costs no disk
        }
        FileSource source(path);
        QSignalSpy updates(&source, &Source::updated);
        source.start();
        QTRY_COMPARE_WITH_TIMEOUT(source.status(), Source::Status::Error, kWaitMs);
        QCOMPARE(source.lastError(), path + QStringLiteral(": larger than 64 MiB, not read as a CA bundle"));
        QVERIFY(updates.isEmpty());
        QVERIFY(writeInPlace(path, m_pool[0]));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 1, kWaitMs);
        QCOMPARE(source.status(), Source::Status::Watching);
    }

    void directoryOfBundles()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(QStringLiteral("bundles"));
        QVERIFY(QDir().mkpath(dir + QStringLiteral("/sub")));
        QVERIFY(writeInPlace(dir + QStringLiteral("/b.pem"), m_pool[1]));
        QVERIFY(writeInPlace(dir + QStringLiteral("/a.pem"), m_pool[0] + m_pool[3]));
        QVERIFY(writeInPlace(dir + QStringLiteral("/.hidden.pem"), m_pool[2])); // skipped
        QVERIFY(writeInPlace(dir + QStringLiteral("/sub/c.pem"), m_pool[2])); // not recursive

        FileSource source(dir);
        QSignalSpy updates(&source, &Source::updated);
        source.start();
        QVERIFY(updates.wait(kWaitMs));
        QVERIFY(source.isDirectory());
        std::shared_ptr<const Bundle> b = updateAt(updates, 0).bundle;
        QCOMPARE(b->entries.size(), 3);
        QCOMPARE(b->entries[0].source.file, dir + QStringLiteral("/a.pem"));
        QCOMPARE(b->entries[1].source.file, dir + QStringLiteral("/a.pem"));
        QCOMPARE(b->entries[2].source.file, dir + QStringLiteral("/b.pem"));
        QCOMPARE(b->entries[2].source.block, 1);
        QCOMPARE(b->entries[1].certificate.toPem(), m_pool[3]);
        QCOMPARE(source.status(), Source::Status::Watching);

        // In-place write into a member file (a directory watch alone would not see it).
        QVERIFY(writeInPlace(dir + QStringLiteral("/b.pem"), m_pool[1] + m_pool[2]));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 2, kWaitMs);
        QCOMPARE(updateAt(updates, 1).bundle->entries.size(), 4);
        // A new file.
        QVERIFY(writeInPlace(dir + QStringLiteral("/c.pem"), m_pool[2]));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 3, kWaitMs);
        QCOMPARE(updateAt(updates, 2).bundle->entries.size(), 5);
        QCOMPARE(updateAt(updates, 2).bundle->entries[4].source.file, dir + QStringLiteral("/c.pem"));
        // A file removed.
        QVERIFY(QFile::remove(dir + QStringLiteral("/a.pem")));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 4, kWaitMs);
        QCOMPARE(updateAt(updates, 3).bundle->entries.size(), 3);
        // Hidden files come and go unnoticed.
        QSignalSpy reads(&source, &FileSource::readCompleted);
        QVERIFY(writeInPlace(dir + QStringLiteral("/.scratch"), "junk"));
        QTRY_VERIFY_WITH_TIMEOUT(!reads.isEmpty(), kWaitMs);
        QCOMPARE(updates.size(), 4);
        // A garbage member: delivered, status names that file and block.
        QVERIFY(writeInPlace(dir + QStringLiteral("/d.pem"), "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n"));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 5, kWaitMs);
        QCOMPARE(source.status(), Source::Status::Error);
        QVERIFY2(source.lastError().startsWith(dir + QStringLiteral("/d.pem: block 1")), qPrintable(source.lastError()));
        QVERIFY(source.watchedPaths().contains(dir + QStringLiteral("/d.pem")));
    }

    // A mounted Secret volume with two keys, watched as a directory: ca.crt and tls.crt through their
    // symlinks, ..data and the timestamped directories never counted, every update once.
    void secretVolumeDirectory()
    {
        QTemporaryDir tmp;
        KubeletVolume volume(tmp.filePath(QStringLiteral("secret")));
        QVERIFY(volume.write({{QStringLiteral("ca.crt"), m_pool[0]}, {QStringLiteral("tls.crt"), m_pool[1]}}));
        FileSource source(volume.dir());
        QSignalSpy updates(&source, &Source::updated);
        source.start();
        QVERIFY(updates.wait(kWaitMs));
        std::shared_ptr<const Bundle> b = updateAt(updates, 0).bundle;
        QCOMPARE(b->entries.size(), 2);
        QCOMPARE(b->entries[0].source.file, volume.path(QStringLiteral("ca.crt")));
        QCOMPARE(b->entries[1].source.file, volume.path(QStringLiteral("tls.crt")));
        QVERIFY(!b->hasErrors());

        QString lastRevision = updateAt(updates, 0).revision;
        for (int round = 1; round <= 3; ++round) {
            QVERIFY(volume.write({{QStringLiteral("ca.crt"), m_pool[0] + m_pool[round % 4 == 0 ? 2 : round]},
                                  {QStringLiteral("tls.crt"), m_pool[1]}}));
            QTRY_COMPARE_WITH_TIMEOUT(updates.size(), round + 1, kWaitMs);
            QVERIFY(updateAt(updates, round).revision != lastRevision);
            lastRevision = updateAt(updates, round).revision;
            QCOMPARE(updateAt(updates, round).bundle->entries.size(), 3);
        }
        // A key dropped from the Secret.
        QVERIFY(volume.write({{QStringLiteral("ca.crt"), m_pool[0]}}));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 5, kWaitMs);
        QCOMPARE(updateAt(updates, 4).bundle->entries.size(), 1);
        // Identical payload: a new generation on disk, no update.
        QSignalSpy reads(&source, &FileSource::readCompleted);
        QVERIFY(volume.write({{QStringLiteral("ca.crt"), m_pool[0]}}));
        QTRY_VERIFY_WITH_TIMEOUT(!reads.isEmpty(), kWaitMs);
        const QByteArray sentinel = m_pool[3];
        QVERIFY(volume.write({{QStringLiteral("ca.crt"), sentinel}}));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 6, kWaitMs);
        QCOMPARE(updateAt(updates, 5).bundle->entries.size(), 1);
        QCOMPARE(updateAt(updates, 5).bundle->entries[0].certificate.toPem(), sentinel);
        for (const QString& w : source.watchedPaths())
            QVERIFY2(!QFileInfo(w).fileName().startsWith(QLatin1String("..")), qPrintable(w));
    }

    // A path given through ..data itself: the volume directory is watched, never ..data.
    void pathThroughDataSymlink()
    {
        QTemporaryDir tmp;
        KubeletVolume volume(tmp.filePath(QStringLiteral("secret")));
        QVERIFY(volume.write({{QStringLiteral("ca.crt"), m_pool[0]}}));
        FileSource source(volume.path(QStringLiteral("..data/ca.crt")));
        QSignalSpy updates(&source, &Source::updated);
        source.start();
        QVERIFY(updates.wait(kWaitMs));
        QVERIFY(source.watchedPaths().contains(volume.dir()));
        for (int round = 1; round <= 3; ++round) {
            QVERIFY(volume.write({{QStringLiteral("ca.crt"), m_pool[round]}}));
            QTRY_COMPARE_WITH_TIMEOUT(updates.size(), round + 1, kWaitMs);
            QCOMPARE(updateAt(updates, round).bundle->entries[0].certificate.toPem(), m_pool[round]);
        }
        for (const QString& w : source.watchedPaths())
            QVERIFY2(!QFileInfo(w).fileName().startsWith(QLatin1String("..")) || w == source.id(), qPrintable(w));
    }

    // A read that finishes after a newer one must not win.
    void staleReadDoesNotWin()
    {
        QTemporaryDir tmp;
        const QString path = tmp.filePath(QStringLiteral("ca.pem"));
        const QByteArray a = nextBundle();
        QVERIFY(writeInPlace(path, a));
        FileSource source(path);
        QSemaphore holding;
        QSemaphore release;
        std::atomic<bool> armed{false};
        std::atomic<quint64> held{0};
        // Holds back the first read after `armed`, once it has read its bytes.
        source.setReadHookForTesting([&](quint64 sequence) {
            quint64 expected = 0;
            if (armed && held.compare_exchange_strong(expected, sequence)) {
                holding.release();
                release.tryAcquire(1, 10000);
            }
        });
        QSignalSpy updates(&source, &Source::updated);
        QSignalSpy reads(&source, &FileSource::readCompleted);
        source.start();
        QVERIFY(updates.wait(kWaitMs));
        QCOMPARE(updateAt(updates, 0).revision, hexSha(a));
        // The watches of a file source are armed before its first read: no re-check follows it.
        QCOMPARE(reads.size(), 1);
        armed = true;

        // B is read, and that read is held.
        const QByteArray b = nextBundle();
        QVERIFY(writeInPlace(path, b));
        QTRY_VERIFY_WITH_TIMEOUT(holding.available() > 0, kWaitMs);
        // While it is held, C is written and read by a newer read, which delivers C.
        const QByteArray c = nextBundle();
        QVERIFY(writeInPlace(path, c));
        QTRY_VERIFY_WITH_TIMEOUT(!updates.isEmpty() && updateAt(updates, updates.size() - 1).revision == hexSha(c), kWaitMs);
        // Now the old read finishes: it must be discarded.
        release.release();
        const QByteArray d = nextBundle();
        QVERIFY(writeInPlace(path, d));
        QTRY_VERIFY_WITH_TIMEOUT(updateAt(updates, updates.size() - 1).revision == hexSha(d), kWaitMs);
        QStringList revisions;
        for (int i = 0; i < updates.size(); ++i)
            revisions << updateAt(updates, i).revision;
        QCOMPARE(revisions, (QStringList{hexSha(a), hexSha(c), hexSha(d)}));
    }
};

QTEST_GUILESS_MAIN(TestFileSource)
#include "TestFileSource.moc"
