"""Agencies tickets are forwarded to: any staff member (or the bot) lists them; the bot token or a
supervisor's session creates them."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.app.db import get_session
from backend.app.errors import ApiError
from backend.app.models import Agency
from backend.app.schemas.tickets import AgencyCreate, AgencyView, ApiErrorBody
from backend.app.security import Principal, require_staff

router = APIRouter(prefix="/api/agencies", tags=["agencies"], dependencies=[Depends(require_staff)],
                   responses={401: {"model": ApiErrorBody}})


def _view(agency: Agency) -> AgencyView:
    return AgencyView(code=agency.code, name=agency.name, fields=list(agency.fields or []))


@router.get("", response_model=list[AgencyView])
def list_agencies(session: Session = Depends(get_session)):
    return [_view(a) for a in session.scalars(select(Agency).order_by(Agency.name))]


@router.post("", status_code=201, response_model=AgencyView, responses={409: {"model": ApiErrorBody}})
def create_agency(body: AgencyCreate, session: Session = Depends(get_session),
                  principal: Principal = Depends(require_staff)):
    if not (principal.is_bot or principal.is_supervisor):
        raise ApiError(403, "forbidden", "Chỉ giám sát viên được thêm cơ quan.")
    agency = Agency(code=body.code, name=body.name, fields=body.fields)
    session.add(agency)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ApiError(409, "agency_exists", f"Đã có cơ quan với mã {body.code}.")
    return _view(agency)
