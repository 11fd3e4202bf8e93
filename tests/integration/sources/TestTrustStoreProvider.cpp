// SPDX-License-Identifier: GPL-3.0-or-later
// TrustStoreProvider, InlineSource and BundleCache: snapshots readable from any thread while updates
// arrive, one parse per revision, ownership rules, and the source factory.
#include "CertFactory.h"
#include "SourceTestUtil.h"
#include "factory/SourceFactory.h"
#include "sources/BundleCache.h"
#include "sources/FileSource.h"
#include "sources/InlineSource.h"
#include "sources/TrustStoreProvider.h"

#include <QCryptographicHash>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace certrotor;
using namespace certrotor::test;


class TestTrustStoreProvider : public QObject
{
    Q_OBJECT

    QList<QByteArray> m_pem; // one CA each

    QByteArray bundleOf(std::initializer_list<int> indexes) const
    {
        QByteArray out;
        for (int i : indexes)
            out += m_pem.at(i);
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<SourceUpdate>();
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        for (int i = 0; i < 10; ++i) {
            CertSpec spec;
            spec.commonName = QStringLiteral("Provider CA %1").arg(i);
            spec.isCA = true;
            spec.notBefore = now - kSecondsPerDay;
            spec.notAfter = now + 30 * kSecondsPerDay;
            m_pem << issue(spec, makeKey()).pem();
            QVERIFY(!m_pem.last().isEmpty());
        }
    }

    void inlineSourceDeliversOnChangeOnly()
    {
        InlineSource source(QStringLiteral("pasted"), bundleOf({0, 1}));
        QCOMPARE(source.id(), QStringLiteral("inline:pasted"));
        QSignalSpy updates(&source, &Source::updated);
        source.setPem(bundleOf({0, 1})); // not started: stored, not delivered
        source.start();
        QVERIFY(updates.wait(kWaitMs));
        QCOMPARE(updateAt(updates, 0).revision, hexSha(bundleOf({0, 1})));
        QCOMPARE(updateAt(updates, 0).bundle->entries.size(), 2);
        QCOMPARE(updateAt(updates, 0).bundle->name, QStringLiteral("inline:pasted"));
        QCOMPARE(source.status(), Source::Status::Watching);

        source.setPem(bundleOf({0, 1})); // identical: nothing
        source.setPem(bundleOf({2}));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 2, kWaitMs);
        QCOMPARE(updateAt(updates, 1).revision, hexSha(bundleOf({2})));
        QVERIFY(updateAt(updates, 1).detectionLatencyMs >= 0);

        // Set and set back before the parse finishes: the newest wins, and the old revision again
        // is not re-delivered.
        source.setPem(bundleOf({3}));
        source.setPem(bundleOf({2}));
        source.setPem(bundleOf({4}));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 3, kWaitMs);
        QCOMPARE(updateAt(updates, 2).revision, hexSha(bundleOf({4})));

        // Garbage: delivered with its issue, status names where.
        source.setPem("-----BEGIN CERTIFICATE-----\nAAAA####\n-----END CERTIFICATE-----\n");
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 4, kWaitMs);
        QVERIFY(updateAt(updates, 3).bundle->hasErrors());
        QCOMPARE(source.status(), Source::Status::Error);
        QVERIFY2(source.lastError().startsWith(QLatin1String("inline:pasted: block 1, line")), qPrintable(source.lastError()));
        // A sentinel: exactly one more.
        source.setPem(bundleOf({5}));
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 5, kWaitMs);
        QCOMPARE(source.status(), Source::Status::Watching);
    }

    void snapshotsAndChangedSignal()
    {
        TrustStoreProvider provider;
        QSignalSpy changed(&provider, &TrustStoreProvider::changed);
        auto* a = new InlineSource(QStringLiteral("a"), bundleOf({0}));
        auto* b = new InlineSource(QStringLiteral("b"), bundleOf({1, 2}));
        QVERIFY(provider.addSource(a));
        QVERIFY(provider.addSource(b));
        QCOMPARE(a->parent(), &provider);
        QCOMPARE(provider.sourceIds(), (QStringList{QStringLiteral("inline:a"), QStringLiteral("inline:b")}));
        QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 2, kWaitMs);
        QCOMPARE(provider.snapshot(QStringLiteral("inline:a"))->entries.size(), 1);
        QCOMPARE(provider.snapshot(QStringLiteral("inline:b"))->entries.size(), 2);
        QCOMPARE(provider.update(QStringLiteral("inline:b")).revision, hexSha(bundleOf({1, 2})));
        QVERIFY(!provider.snapshot(QStringLiteral("inline:nope")));

        // A snapshot taken before an update stays valid and unchanged.
        const std::shared_ptr<const Bundle> before = provider.snapshot(QStringLiteral("inline:a"));
        a->setPem(bundleOf({3, 4, 5}));
        QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 3, kWaitMs);
        QCOMPARE(changed.at(2).at(0).toString(), QStringLiteral("inline:a"));
        QCOMPARE(before->entries.size(), 1);
        QCOMPARE(provider.snapshot(QStringLiteral("inline:a"))->entries.size(), 3);

        // Same id twice is refused.
        InlineSource dup(QStringLiteral("a"));
        QTest::ignoreMessage(QtWarningMsg, "a source with id inline:a is already in the trust store provider");
        QVERIFY(!provider.addSource(&dup, TrustStoreProvider::Ownership::Borrow));
        QCOMPARE(provider.sourceIds().size(), 2);

        // removeSource deletes a taken source.
        QPointer<Source> guard(b);
        QVERIFY(provider.removeSource(QStringLiteral("inline:b")));
        QVERIFY(guard.isNull());
        QVERIFY(!provider.snapshot(QStringLiteral("inline:b")));
        QCOMPARE(provider.sourceIds(), QStringList{QStringLiteral("inline:a")});
        QVERIFY(!provider.removeSource(QStringLiteral("inline:b")));
    }

    void borrowedSourceDeletedByItsOwner()
    {
        TrustStoreProvider provider;
        auto borrowed = std::make_unique<InlineSource>(QStringLiteral("mine"), bundleOf({0}));
        QSignalSpy changed(&provider, &TrustStoreProvider::changed);
        QVERIFY(provider.addSource(borrowed.get(), TrustStoreProvider::Ownership::Borrow));
        QCOMPARE(borrowed->parent(), nullptr);
        QVERIFY(changed.wait(kWaitMs));
        borrowed.reset();
        QVERIFY(provider.sourceIds().isEmpty());
        QVERIFY(!provider.snapshot(QStringLiteral("inline:mine")));
        // And a borrowed source outliving the provider is left working.
        auto survivor = std::make_unique<InlineSource>(QStringLiteral("survivor"), bundleOf({1}));
        {
            TrustStoreProvider shortLived;
            QVERIFY(shortLived.addSource(survivor.get(), TrustStoreProvider::Ownership::Borrow));
        }
        QSignalSpy updates(survivor.get(), &Source::updated);
        survivor->setPem(bundleOf({2}));
        QTRY_VERIFY_WITH_TIMEOUT(!updates.isEmpty() && updateAt(updates, updates.size() - 1).revision == hexSha(bundleOf({2})),
                                 kWaitMs);
    }

    // One parse per revision: the same bytes from two sources, and a revert, hit the cache.
    void cacheParsesOncePerRevision()
    {
        TrustStoreProvider provider;
        QSignalSpy changed(&provider, &TrustStoreProvider::changed);
        const QByteArray pem = bundleOf({6, 7});
        auto* first = new InlineSource(QStringLiteral("first"), pem);
        QVERIFY(provider.addSource(first));
        QVERIFY(changed.wait(kWaitMs));
        QCOMPARE(provider.cache()->misses(), 1);
        QCOMPARE(provider.cache()->hits(), 0);

        QTemporaryDir tmp;
        const QString path = tmp.filePath(QStringLiteral("same.pem"));
        QVERIFY(writeFile(path, pem));
        auto* file = new FileSource(path);
        QVERIFY(provider.addSource(file));
        QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 2, kWaitMs);
        QCOMPARE(provider.cache()->misses(), 1); // not parsed again
        QCOMPARE(provider.cache()->hits(), 1);
        const auto fromFile = provider.snapshot(file->id());
        const auto fromInline = provider.snapshot(first->id());
        // Same certificates (shared data), each under its own name and locations.
        QCOMPARE(fromFile->entries.size(), 2);
        QCOMPARE(fromFile->entries[1].certificate, fromInline->entries[1].certificate);
        QCOMPARE(fromFile->name, file->id());
        QCOMPARE(fromFile->entries[1].source.file, file->id());
        QCOMPARE(fromInline->entries[1].source.file, QStringLiteral("inline:first"));

        // Change and revert: the revert is a cache hit.
        first->setPem(bundleOf({8}));
        QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 3, kWaitMs);
        QCOMPARE(provider.cache()->misses(), 2);
        first->setPem(pem);
        QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 4, kWaitMs);
        QCOMPARE(provider.cache()->misses(), 2);
        QCOMPARE(provider.cache()->hits(), 2);
        QCOMPARE(provider.snapshot(first->id())->entries.size(), 2);
    }

    void cacheIsBounded()
    {
        BundleCache cache(2);
        const auto a1 = cache.parse(m_pem[0], QStringLiteral("a"));
        cache.parse(m_pem[1], QStringLiteral("b"));
        QCOMPARE(cache.parse(m_pem[0], QStringLiteral("a")).get(), a1.get()); // same name: the very same object
        cache.parse(m_pem[2], QStringLiteral("c")); // evicts b, the least recently used
        QCOMPARE(cache.size(), 2);
        QCOMPARE(cache.misses(), 3);
        cache.parse(m_pem[1], QStringLiteral("b"));
        QCOMPARE(cache.misses(), 4);
        cache.parse(m_pem[2], QStringLiteral("c"));
        QCOMPARE(cache.hits(), 2);
    }

    // Readers on several threads take snapshots while updates arrive: every snapshot is complete and
    // consistent (its certificates are those of its revision), never torn, never dangling.
    void snapshotsAreThreadSafe()
    {
        TrustStoreProvider provider;
        QList<QByteArray> revisions;
        QHash<QByteArray, int> expectedCount; // content sha (raw) -> certificates
        for (int i = 0; i < 5; ++i) {
            QByteArray pem;
            for (int j = 0; j <= i; ++j)
                pem += m_pem.at(j);
            revisions << pem;
            expectedCount.insert(QCryptographicHash::hash(pem, QCryptographicHash::Sha256), i + 1);
        }
        auto* a = new InlineSource(QStringLiteral("a"), revisions[0]);
        auto* b = new InlineSource(QStringLiteral("b"), revisions[1]);
        QSignalSpy changed(&provider, &TrustStoreProvider::changed);
        QVERIFY(provider.addSource(a));
        QVERIFY(provider.addSource(b));
        QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 2, kWaitMs);

        std::atomic<bool> stop{false};
        std::atomic<int> bad{0};
        std::atomic<qint64> reads{0};
        std::atomic<int> running{0};
        std::vector<std::thread> readers;
        for (int t = 0; t < 4; ++t) {
            readers.emplace_back([&] {
                bool counted = false;
                while (!stop.load()) {
                    const QStringList ids = provider.sourceIds();
                    for (const QString& id : ids) {
                        const std::shared_ptr<const Bundle> snap = provider.snapshot(id);
                        const SourceUpdate u = provider.update(id);
                        if (!snap || !u.bundle) {
                            ++bad;
                            continue;
                        }
                        const int want = expectedCount.value(snap->contentSha256, -1);
                        int certs = 0;
                        for (const BundleEntry& e : snap->entries)
                            certs += e.certificate.info().sha256.size() == 32 ? 1 : 0;
                        if (want != certs || snap->hasErrors()
                            || u.revision.toLatin1() != u.bundle->contentSha256.toHex())
                            ++bad;
                        ++reads;
                    }
                    if (!counted) {
                        counted = true;
                        ++running;
                    }
                }
            });
        }
        // Every reader is reading before the first update arrives (the machine may be busy).
        QTRY_COMPARE_WITH_TIMEOUT(running.load(), 4, kWaitMs);
        for (int i = 0; i < 40; ++i) {
            const int before = int(changed.size());
            (i % 2 ? a : b)->setPem(revisions[(i * 3 + 2) % revisions.size()]);
            // Some setPem calls repeat the current bytes and deliver nothing: wait only for real changes.
            if ((i % 2 ? a : b)->current().revision != hexSha(revisions[(i * 3 + 2) % revisions.size()]))
                QTRY_COMPARE_WITH_TIMEOUT(int(changed.size()), before + 1, kWaitMs);
        }
        stop = true;
        for (std::thread& t : readers)
            t.join();
        QCOMPARE(bad.load(), 0);
        QVERIFY(reads.load() > 0);
        QVERIFY(changed.size() > 20);
    }

    void factory()
    {
        QString error;
        // secret:// goes through the kubeconfig; the test HOME has none, and the error says where it looked.
        QVERIFY(!createSource(QStringLiteral("secret://default/ca"), &error));
        QVERIFY2(error.startsWith(QLatin1String("kubeconfig: no kubeconfig found")), qPrintable(error));
        QVERIFY(!createSource(QStringLiteral("   "), &error));
        QVERIFY(error.startsWith(QLatin1String("empty source")));
        QVERIFY(!createSource(QStringLiteral("ftp://example.com/ca.pem"), &error));
        QVERIFY2(error.contains(QLatin1String("unknown source type 'ftp'")), qPrintable(error));
        std::unique_ptr<Source> s = createSource(QStringLiteral("/etc/ssl/ca.pem"), &error);
        QVERIFY(qobject_cast<FileSource*>(s.get()));
        QCOMPARE(s->id(), QStringLiteral("/etc/ssl/ca.pem"));
        QCOMPARE(s->status(), Source::Status::Idle); // not started
        s = createSource(QStringLiteral("file:///tmp/x/ca.pem"), &error);
        QVERIFY(s);
        QCOMPARE(s->id(), QStringLiteral("/tmp/x/ca.pem"));
    }
};

QTEST_GUILESS_MAIN(TestTrustStoreProvider)
#include "TestTrustStoreProvider.moc"
