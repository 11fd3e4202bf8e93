// SPDX-License-Identifier: GPL-3.0-or-later
#include "TrustStoreView.h"

#include "CertificateDetails.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace certrotor::gui {

TrustStoreView::TrustStoreView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("trustStoreWidget"));
    m_model = new TrustStoreModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(TrustStoreModel::SortRole);
    m_proxy->setFilterRole(TrustStoreModel::FilterRole);
    m_proxy->setFilterKeyColumn(0);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* top = new QHBoxLayout;
    m_title = new QLabel(tr("No trust store open — File ▸ Open store… (Ctrl+O)"), this);
    m_title->setObjectName(QStringLiteral("storeTitleLabel"));
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("filterLineEdit"));
    m_filter->setPlaceholderText(tr("Filter by subject, issuer or SHA-256 (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("loadProgressBar"));
    m_progress->setRange(0, 0);
    m_progress->setMaximumWidth(160);
    m_progress->hide();
    top->addWidget(m_title, 1);
    top->addWidget(m_progress);
    top->addWidget(m_filter, 1);
    layout->addLayout(top);

    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(QStringLiteral("storeSplitter"));
    m_table = new QTableView(m_splitter);
    m_table->setObjectName(QStringLiteral("trustStoreTableView"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(TrustStoreModel::DaysLeftColumn, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    // Uniform rows: no per-row measuring, so 10,000 rows scroll smoothly.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    const int em = m_table->fontMetrics().horizontalAdvance(QLatin1Char('M'));
    m_table->setColumnWidth(TrustStoreModel::SubjectColumn, em * 14);
    m_table->setColumnWidth(TrustStoreModel::IssuerColumn, em * 12);
    m_table->setColumnWidth(TrustStoreModel::NotAfterColumn, em * 9);
    m_table->setColumnWidth(TrustStoreModel::DaysLeftColumn, em * 7);
    m_table->setColumnWidth(TrustStoreModel::KeyColumn, em * 6);
    m_table->setColumnWidth(TrustStoreModel::SignatureColumn, em * 11);
    m_table->setColumnWidth(TrustStoreModel::Sha256Column, em * 10);

    auto* detailsBox = new QWidget(m_splitter);
    auto* detailsLayout = new QHBoxLayout(detailsBox);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    m_details = new QTextBrowser(detailsBox);
    m_details->setObjectName(QStringLiteral("detailsTextBrowser"));
    m_details->setPlaceholderText(tr("Select a certificate to see every field, its chain and its PEM."));
    auto* pemBox = new QWidget(detailsBox);
    auto* pemLayout = new QVBoxLayout(pemBox);
    pemLayout->setContentsMargins(0, 0, 0, 0);
    m_pem = new QPlainTextEdit(pemBox);
    m_pem->setObjectName(QStringLiteral("pemPlainTextEdit"));
    m_pem->setReadOnly(true);
    m_pem->setLineWrapMode(QPlainTextEdit::NoWrap);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_pem->setFont(mono);
    m_copy = new QPushButton(QIcon(QStringLiteral(":/icons/copy.svg")), tr("&Copy PEM"), pemBox);
    m_copy->setObjectName(QStringLiteral("copyPemPushButton"));
    m_copy->setEnabled(false);
    pemLayout->addWidget(m_pem, 1);
    pemLayout->addWidget(m_copy, 0, Qt::AlignRight);
    detailsLayout->addWidget(m_details, 3);
    detailsLayout->addWidget(pemBox, 2);
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(detailsBox);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    layout->addWidget(m_splitter, 1);

    setTabOrder(m_filter, m_table);
    setTabOrder(m_table, m_details);
    setTabOrder(m_details, m_pem);
    setTabOrder(m_pem, m_copy);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                showEntry(current.isValid() ? current.data(TrustStoreModel::EntryRole).toInt() : -1);
            });
    connect(m_copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(currentPem()); });
}

void TrustStoreView::setSnapshot(StoreSnapshot snapshot, const QString& title)
{
    const int count = int(snapshot.rows.size());
    m_model->setSnapshot(std::move(snapshot));
    // Fit the columns to what is there (Qt samples at most 1,000 rows), within reason.
    m_table->resizeColumnsToContents();
    const int em = m_table->fontMetrics().horizontalAdvance(QLatin1Char('M'));
    for (int c = 0; c < TrustStoreModel::ColumnCount - 1; ++c)
        m_table->setColumnWidth(c, std::min(m_table->columnWidth(c) + em, em * 20));
    m_title->setText(tr("%1 — %n certificate(s)", nullptr, count).arg(title));
    m_title->setToolTip(title);
    showEntry(-1);
}

void TrustStoreView::setBusy(bool busy, const QString& what)
{
    m_progress->setVisible(busy);
    m_progress->setFormat(what);
    m_progress->setToolTip(what);
}

QString TrustStoreView::currentPem() const
{
    const auto& bundle = m_model->snapshot().bundle;
    if (!bundle || m_currentEntry < 0 || m_currentEntry >= bundle->entries.size())
        return {};
    return QString::fromLatin1(bundle->entries.at(m_currentEntry).certificate.toPem());
}

void TrustStoreView::showEntry(int entry)
{
    m_currentEntry = entry;
    const auto& snap = m_model->snapshot();
    if (!snap.bundle || entry < 0) {
        m_details->clear();
        m_pem->clear();
        m_copy->setEnabled(false);
        return;
    }
    m_details->setHtml(certificateDetailsHtml(*snap.bundle, entry, snap.findings, snap.now));
    m_pem->setPlainText(currentPem());
    m_copy->setEnabled(true);
}

} // namespace certrotor::gui
