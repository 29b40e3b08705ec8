import { describe, expect, it } from 'vitest';
import { CASE_STATUSES, nextStep } from './cases.ts';

describe('nextStep', () => {
  it('asks to screen a new request, and a request in triage until it is screened', () => {
    expect(nextStep({ status: 'requested', eligibility: 'pending' })).toBe('screen');
    expect(nextStep({ status: 'triage', eligibility: 'pending' })).toBe('screen');
    expect(nextStep({ status: 'triage', eligibility: 'eligible' })).toBe('request_records');
  });

  it('follows the workflow to the report and the end', () => {
    expect(nextStep({ status: 'awaiting_records', eligibility: 'eligible' })).toBe('check_records');
    expect(nextStep({ status: 'ready_to_schedule', eligibility: 'eligible' })).toBe('offer_times');
    expect(nextStep({ status: 'scheduled', eligibility: 'eligible' })).toBe('hold_visit');
    expect(nextStep({ status: 'consulted', eligibility: 'eligible' })).toBe('write_report');
    expect(nextStep({ status: 'report_delivered', eligibility: 'eligible' })).toBe('close');
  });

  it('has nothing left to do for a finished case', () => {
    for (const status of ['closed', 'cancelled', 'withdrawn'] as const) expect(nextStep({ status, eligibility: 'eligible' })).toBe('none');
  });

  it('answers for every status', () => {
    for (const status of CASE_STATUSES) expect(nextStep({ status, eligibility: 'pending' })).toBeTruthy();
  });
});
