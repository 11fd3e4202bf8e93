// SPDX-License-Identifier: GPL-3.0-or-later
#include "IncomingView.h"

#include "DiffModel.h"
#include "ExpiryTimeline.h"
#include "UiStyle.h"
#include "util/Clock.h"
#include "x509/Chain.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace certrotor::gui {

namespace {

/// The chain tree shows at most this many certificates; a 10,000 bundle would only drown it.
constexpr int kMaxChainItems = 2000;

QGroupBox* box(const QString& title, QWidget* content, QWidget* parent)
{
    auto* g = new QGroupBox(title, parent);
    auto* l = new QVBoxLayout(g);
    l->setContentsMargins(4, 4, 4, 4);
    l->addWidget(content);
    return g;
}

} // namespace

IncomingView::IncomingView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("incomingWidget"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_summary = new QLabel(
        tr("Nothing incoming. Watched sources that deliver a bundle different from the store show up here."), this);
    m_summary->setObjectName(QStringLiteral("incomingSummaryLabel"));
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::PlainText);
    auto* top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    // The one action from the preview to the rotation: stage this bundle into the current store.
    m_stage = new QPushButton(tr("Stage &rotation…"), this);
    m_stage->setObjectName(QStringLiteral("stageRotationButton"));
    m_stage->setToolTip(tr("Stage this bundle into the current trust store in the Rotate tab (nothing is written "
                           "until you commit)"));
    m_stage->setEnabled(false);
    connect(m_stage, &QPushButton::clicked, this, &IncomingView::stageRequested);
    top->addWidget(m_stage, 0, Qt::AlignTop);
    layout->addLayout(top);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("incomingSplitter"));
    auto* left = new QSplitter(Qt::Vertical, m_splitter);
    m_chain = new QTreeWidget(left);
    m_chain->setObjectName(QStringLiteral("chainTreeWidget"));
    m_chain->setHeaderLabels({ tr("Certificate"), tr("Not after") });
    m_chain->setUniformRowHeights(true);
    m_findings = new QTreeWidget(left);
    m_findings->setObjectName(QStringLiteral("findingsTreeWidget"));
    m_findings->setHeaderLabels({ tr("Finding"), tr("Certificate"), tr("Message") });
    m_findings->setRootIsDecorated(false);
    m_findings->setUniformRowHeights(true);
    left->addWidget(box(tr("Chain"), m_chain, left));
    left->addWidget(box(tr("Lint findings"), m_findings, left));

    auto* right = new QSplitter(Qt::Vertical, m_splitter);
    m_diffModel = new DiffModel(this);
    m_diffView = new QTableView(right);
    m_diffView->setObjectName(QStringLiteral("diffTableView"));
    m_diffView->setModel(m_diffModel);
    m_diffView->verticalHeader()->hide();
    m_diffView->horizontalHeader()->setStretchLastSection(true);
    m_diffView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_diffView->setColumnWidth(DiffModel::SubjectColumn,
                               m_diffView->fontMetrics().horizontalAdvance(QLatin1Char('M')) * 14);
    m_diffView->setColumnWidth(DiffModel::NotAfterColumn,
                               m_diffView->fontMetrics().horizontalAdvance(QLatin1Char('M')) * 12);
    m_timeline = new ExpiryTimeline(right);
    auto* scroll = new QScrollArea(right);
    scroll->setObjectName(QStringLiteral("timelineScrollArea"));
    scroll->setWidgetResizable(true);
    scroll->setWidget(m_timeline);
    right->addWidget(box(tr("Diff against the store"), m_diffView, right));
    right->addWidget(box(tr("Expiry timeline"), scroll, right));
    right->setStretchFactor(0, 1);
    right->setStretchFactor(1, 2);
    m_splitter->addWidget(left);
    m_splitter->addWidget(right);
    m_splitter->setStretchFactor(0, 2);
    m_splitter->setStretchFactor(1, 3);
    layout->addWidget(m_splitter, 1);

    setTabOrder(m_chain, m_findings);
    setTabOrder(m_findings, m_diffView);
}

QString IncomingView::summary() const
{
    return m_summary->text();
}

void IncomingView::setAnalysis(const IncomingAnalysis& analysis)
{
    m_analysis = analysis;
    m_stage->setEnabled(analysis.incoming != nullptr && analysis.differs());
    m_diffModel->setDiff(analysis.diff);
    m_timeline->setAnalysis(analysis);
    fillChain();
    fillFindings();
    QString windows;
    if (analysis.overlap.windows.isEmpty()) {
        windows = tr("no overlap: old and new CAs are never valid at the same time");
    } else {
        const auto& w = analysis.overlap.windows.first();
        windows = tr("overlap %1 → %2").arg(isoUtc(w.start).left(10), isoUtc(w.end).left(10));
    }
    m_summary->setText(
        tr("Incoming from %1 (revision %2): %3 certificate(s) — %4 added, %5 removed, %6 renewed, %7 kept; "
           "%8 finding(s); %9.")
            .arg(analysis.sourceName, analysis.revision.left(12))
            .arg(analysis.incoming ? analysis.incoming->entries.size() : 0)
            .arg(m_diffModel->count(DiffModel::Kind::Added))
            .arg(m_diffModel->count(DiffModel::Kind::Removed))
            .arg(m_diffModel->count(DiffModel::Kind::Renewed))
            .arg(m_diffModel->count(DiffModel::Kind::Kept))
            .arg(analysis.findings.size())
            .arg(windows));
}

void IncomingView::fillChain()
{
    m_chain->clear();
    if (!m_analysis.incoming)
        return;
    // The chain tree of the incoming bundle, completed with the store's certificates so an incoming
    // intermediate hangs under the root it chains to. Issuers are matched by name and key id.
    QList<Certificate> pool = m_analysis.incoming->certificates();
    const int incomingCount = int(pool.size());
    if (m_analysis.store) {
        QSet<QByteArray> seen;
        for (const Certificate& c : std::as_const(pool))
            seen.insert(c.info().sha256);
        for (const Certificate& c : m_analysis.store->certificates()) {
            if (!seen.contains(c.info().sha256))
                pool << c;
        }
    }
    if (pool.size() > kMaxChainItems)
        pool.resize(std::max(incomingCount > kMaxChainItems ? kMaxChainItems : incomingCount, 0));
    const IssuerIndex index(pool);
    QHash<int, QTreeWidgetItem*> items;
    QList<int> order;
    // Only certificates of the incoming bundle and their issuers appear.
    QSet<int> wanted;
    for (int i = 0; i < std::min<int>(incomingCount, int(pool.size())); ++i) {
        for (int c : index.chainFor(i))
            wanted.insert(c);
    }
    std::function<QTreeWidgetItem*(int, int)> itemFor = [&](int i, int depth) -> QTreeWidgetItem* {
        if (auto* it = items.value(i))
            return it;
        const int parentIdx = depth < 16 ? index.issuerOf(i) : -1;
        QTreeWidgetItem* parent = parentIdx >= 0 && parentIdx != i ? itemFor(parentIdx, depth + 1) : nullptr;
        const CertificateInfo& info = pool.at(i).info();
        auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_chain);
        item->setText(0,
                      (info.subject.commonName.isEmpty() ? info.subject.rfc4514 : info.subject.commonName)
                          + (i >= incomingCount ? tr(" (in store)") : QString()));
        item->setText(1, isoUtc(info.notAfter).left(10));
        item->setToolTip(0, info.subject.rfc4514 + QStringLiteral("\nSHA-256 ") + info.sha256Hex());
        item->setIcon(0, statusLight(accentColor(i >= incomingCount ? Accent::Muted : Accent::NewCa)));
        items.insert(i, item);
        return item;
    };
    QList<int> sorted(wanted.cbegin(), wanted.cend());
    std::sort(sorted.begin(), sorted.end());
    for (int i : sorted)
        itemFor(i, 0);
    m_chain->expandAll();
    m_chain->resizeColumnToContents(0);
}

void IncomingView::fillFindings()
{
    m_findings->clear();
    if (!m_analysis.incoming)
        return;
    QList<QTreeWidgetItem*> items;
    for (const Finding& f : std::as_const(m_analysis.findings)) {
        auto* item = new QTreeWidgetItem;
        item->setIcon(0, findingIcon(f.severity));
        item->setText(0, f.code);
        if (f.entry >= 0 && f.entry < m_analysis.incoming->entries.size()) {
            const auto& s = m_analysis.incoming->entries.at(f.entry).certificate.info().subject;
            item->setText(1, s.commonName.isEmpty() ? s.rfc4514 : s.commonName);
        }
        item->setText(2, f.message);
        item->setToolTip(2, f.message);
        items << item;
        if (items.size() >= kMaxChainItems)
            break;
    }
    m_findings->addTopLevelItems(items);
    if (items.isEmpty()) {
        auto* none = new QTreeWidgetItem(m_findings);
        none->setText(0, tr("no findings"));
    }
    m_findings->resizeColumnToContents(0);
}

} // namespace certrotor::gui
