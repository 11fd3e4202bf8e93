// SPDX-License-Identifier: GPL-3.0-or-later
#include "DiffModel.h"

#include "UiStyle.h"
#include "util/Clock.h"

#include <QColor>
#include <QSet>

namespace certrotor::gui {

namespace {

QString nameOf(const Certificate& c)
{
    const auto& s = c.info().subject;
    return s.commonName.isEmpty() ? s.rfc4514 : s.commonName;
}

QString dateOf(qint64 secs)
{
    return isoUtc(secs).left(10);
}

} // namespace

DiffModel::DiffModel(QObject* parent) : QAbstractTableModel(parent) { }

void DiffModel::setDiff(const BundleDiff& diff)
{
    beginResetModel();
    m_rows.clear();
    QSet<QByteArray> inRenewal;
    for (const auto& [oldCert, newCert] : diff.renewed) {
        inRenewal << oldCert.info().sha256 << newCert.info().sha256;
        m_rows << Row { Kind::Renewed, nameOf(newCert),
                        dateOf(oldCert.info().notAfter) + QStringLiteral(" → ") + dateOf(newCert.info().notAfter),
                        newCert.info().sha256Hex().left(16),
                        tr("Renewed: same subject and key\nold SHA-256 %1\nnew SHA-256 %2")
                            .arg(oldCert.info().sha256Hex(), newCert.info().sha256Hex()) };
    }
    const auto addAll = [this, &inRenewal](Kind kind, const QList<Certificate>& certs) {
        for (const Certificate& c : certs) {
            if (inRenewal.contains(c.info().sha256))
                continue;
            m_rows << Row { kind, nameOf(c), dateOf(c.info().notAfter), c.info().sha256Hex().left(16),
                            c.info().subject.rfc4514 + QStringLiteral("\nSHA-256 ") + c.info().sha256Hex() };
        }
    };
    addAll(Kind::Added, diff.added);
    addAll(Kind::Removed, diff.removed);
    addAll(Kind::Kept, diff.kept);
    endResetModel();
}

int DiffModel::count(Kind kind) const
{
    return int(std::count_if(m_rows.cbegin(), m_rows.cend(), [kind](const Row& r) { return r.kind == kind; }));
}

int DiffModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int DiffModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString DiffModel::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Renewed:
        return tr("renewed");
    case Kind::Added:
        return tr("added");
    case Kind::Removed:
        return tr("removed");
    case Kind::Kept:
        return tr("kept");
    }
    return {};
}

QColor DiffModel::kindColor(Kind kind)
{
    switch (kind) {
    case Kind::Renewed:
        return accentColor(Accent::Renewed);
    case Kind::Added:
        return toneBackground(Tone::Success);
    case Kind::Removed:
        return toneBackground(Tone::Error);
    case Kind::Kept:
        return toneBackground(Tone::Neutral);
    }
    return {};
}

QVariant DiffModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& r = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case ChangeColumn:
            return kindName(r.kind);
        case SubjectColumn:
            return r.subject;
        case NotAfterColumn:
            return r.notAfter;
        case Sha256Column:
            return r.sha256;
        }
        break;
    case Qt::ToolTipRole:
        return r.tooltip;
    case Qt::BackgroundRole:
        if (index.column() == ChangeColumn)
            return kindColor(r.kind);
        break;
    case Qt::ForegroundRole:
        if (index.column() == ChangeColumn)
            return QColor(Qt::white);
        break;
    case KindRole:
        return int(r.kind);
    default:
        break;
    }
    return {};
}

QVariant DiffModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ChangeColumn:
        return tr("Change");
    case SubjectColumn:
        return tr("Subject");
    case NotAfterColumn:
        return tr("Not after");
    case Sha256Column:
        return tr("SHA-256");
    }
    return {};
}

} // namespace certrotor::gui
