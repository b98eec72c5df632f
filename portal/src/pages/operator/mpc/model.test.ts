import { describe, expect, it } from 'vitest';
import { parseModel, parsePolynomial } from './model.ts';

describe('the operator model as CSV', () => {
  it('reads features with and without bounds, a header and blank lines', () => {
    expect(
      parseModel('\uFEFFcolumn,statistic,weight,min,max\r\nwage, mean ,0.001,0,25000\n\nyear,sum,-2e-1\n'),
    ).toEqual({
      rows: [
        { column: 'wage', statistic: 'mean', weight: '0.001', min: '0', max: '25000' },
        { column: 'year', statistic: 'sum', weight: '-2e-1', min: '', max: '' },
      ],
    });
  });

  it('names the first bad line and why', () => {
    expect(parseModel('wage,mean\n')).toEqual({ error: { line: 1, reason: 'columns' } });
    expect(parseModel('wage,mean,1\nyear,median,2\n')).toEqual({ error: { line: 2, reason: 'statistic' } });
    expect(parseModel('wage,mean,abc\n')).toEqual({ error: { line: 1, reason: 'weight' } });
    expect(parseModel('wage,mean,1,5,1\n')).toEqual({ error: { line: 1, reason: 'bounds' } });
    expect(parseModel('column,statistic,weight\n')).toEqual({ error: { line: 1, reason: 'empty' } });
  });

  it('reads polynomial coefficients of degree 1 to 3', () => {
    expect(parsePolynomial('')).toBeNull();
    expect(parsePolynomial('0.5, 0.197, 0, -0.004')).toEqual([0.5, 0.197, 0, -0.004]);
    expect(parsePolynomial('1')).toBe('invalid');
    expect(parsePolynomial('1,2,3,4,5')).toBe('invalid');
    expect(parsePolynomial('1,x')).toBe('invalid');
  });
});
