// SPDX-License-Identifier: GPL-3.0-or-later
#include "TrustStoreModel.h"

#include "UiStyle.h"
#include "util/Clock.h"

#include <QDateTime>
#include <QFont>

namespace certrotor::gui {

namespace {

QString cnOrName(const DistinguishedName& dn)
{
    return dn.commonName.isEmpty() ? dn.rfc4514 : dn.commonName;
}

} // namespace

StoreSnapshot StoreSnapshot::prepare(std::shared_ptr<const Bundle> bundle, qint64 now, int thresholdDays)
{
    StoreSnapshot s;
    s.now = now;
    s.thresholdDays = thresholdDays;
    if (!bundle)
        return s;
    s.findings = lintBundle(*bundle, LintOptions { now, thresholdDays });
    QVector<QList<const Finding*>> byEntry(bundle->entries.size());
    for (const Finding& f : std::as_const(s.findings)) {
        if (f.entry >= 0 && f.entry < byEntry.size())
            byEntry[f.entry] << &f;
    }
    s.rows.reserve(bundle->entries.size());
    for (int i = 0; i < bundle->entries.size(); ++i) {
        const CertificateInfo& info = bundle->entries.at(i).certificate.info();
        StoreRow r;
        r.entry = i;
        r.subjectCn = cnOrName(info.subject);
        r.issuerCn = cnOrName(info.issuer);
        r.notAfter = info.notAfter;
        r.daysLeft = daysUntil(now, info.notAfter);
        r.notAfterText
            = QDateTime::fromSecsSinceEpoch(info.notAfter, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
        r.key = info.keyDescription();
        r.signature = info.signatureAlgorithm;
        r.sha256Hex = info.sha256Hex();
        r.sha256Short = r.sha256Hex.left(16);
        r.filterText = (r.subjectCn + QLatin1Char('\n') + info.subject.rfc4514 + QLatin1Char('\n') + r.issuerCn
                        + QLatin1Char('\n') + info.issuer.rfc4514 + QLatin1Char('\n') + r.sha256Hex)
                           .toLower();
        QStringList texts;
        QStringList tips;
        for (const Finding* f : std::as_const(byEntry[i])) {
            if (r.findingCount == 0 || f->severity > r.worst)
                r.worst = f->severity;
            ++r.findingCount;
            texts << f->code;
            tips << Finding::severityName(f->severity) + QStringLiteral(": ") + f->message;
        }
        r.findingsText = texts.join(QStringLiteral(", "));
        r.findingsToolTip = tips.join(QLatin1Char('\n'));
        s.rows << r;
    }
    s.bundle = std::move(bundle);
    return s;
}

TrustStoreModel::TrustStoreModel(QObject* parent) : QAbstractTableModel(parent) { }

void TrustStoreModel::setSnapshot(StoreSnapshot snapshot)
{
    beginResetModel();
    m_snapshot = std::move(snapshot);
    endResetModel();
}

const StoreRow* TrustStoreModel::rowAt(int row) const
{
    return row >= 0 && row < m_snapshot.rows.size() ? &m_snapshot.rows.at(row) : nullptr;
}

int TrustStoreModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_snapshot.rows.size());
}

int TrustStoreModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TrustStoreModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const StoreRow& r = m_snapshot.rows.at(index.row());
    const int col = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (col) {
        case SubjectColumn:
            return r.subjectCn;
        case IssuerColumn:
            return r.issuerCn;
        case NotAfterColumn:
            return r.notAfterText;
        case DaysLeftColumn:
            return r.daysLeft < 0 ? tr("expired %1 d ago").arg(-r.daysLeft) : tr("%1 d").arg(r.daysLeft);
        case KeyColumn:
            return r.key;
        case SignatureColumn:
            return r.signature;
        case Sha256Column:
            return r.sha256Short;
        case FindingsColumn:
            return r.findingsText;
        }
        break;
    case SortRole:
        switch (col) {
        case NotAfterColumn:
        case DaysLeftColumn:
            return r.notAfter;
        case FindingsColumn:
            return r.findingCount == 0 ? -1 : int(r.worst) * 1000 + r.findingCount;
        case Sha256Column:
            return r.sha256Hex;
        default:
            return data(index, Qt::DisplayRole);
        }
    case FilterRole:
        return r.filterText;
    case EntryRole:
        return r.entry;
    case UrgencyRole:
        return int(urgencyFor(r.daysLeft, m_snapshot.thresholdDays));
    case Qt::ToolTipRole:
        if (col == Sha256Column)
            return r.sha256Hex;
        if (col == FindingsColumn && r.findingCount > 0)
            return r.findingsToolTip;
        if (col == DaysLeftColumn || col == NotAfterColumn)
            return QString(r.notAfterText + QStringLiteral(" UTC"));
        break;
    case Qt::DecorationRole:
        if (col == FindingsColumn && r.findingCount > 0)
            return findingIcon(r.worst);
        break;
    case Qt::BackgroundRole:
        if (col == DaysLeftColumn)
            return urgencyBackground(urgencyFor(r.daysLeft, m_snapshot.thresholdDays));
        break;
    case Qt::ForegroundRole:
        if (col == DaysLeftColumn)
            return urgencyForeground(urgencyFor(r.daysLeft, m_snapshot.thresholdDays));
        break;
    case Qt::TextAlignmentRole:
        if (col == DaysLeftColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::FontRole:
        if (col == Sha256Column) {
            static const QFont mono = [] {
                QFont f(QStringLiteral("monospace"));
                f.setStyleHint(QFont::Monospace);
                return f;
            }();
            return mono;
        }
        break;
    default:
        break;
    }
    return {};
}

QVariant TrustStoreModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case SubjectColumn:
        return tr("Subject");
    case IssuerColumn:
        return tr("Issuer");
    case NotAfterColumn:
        return tr("Not after (UTC)");
    case DaysLeftColumn:
        return tr("Days left");
    case KeyColumn:
        return tr("Key");
    case SignatureColumn:
        return tr("Signature");
    case Sha256Column:
        return tr("SHA-256");
    case FindingsColumn:
        return tr("Findings");
    }
    return {};
}

} // namespace certrotor::gui
