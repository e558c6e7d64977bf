import { describe, expect, it } from '@jest/globals';
import {
  basicCredentialPlausible,
  cardGroupsPlausible,
  cardIssuerPlausible,
  ibanLength,
  ibanValid,
  luhnValid,
  ssnPlausible,
} from './validators.js';

describe('luhnValid', () => {
  it.each([
    '4111111111111111',
    '5500005555555559',
    '378282246310005',
    '6011111111111117',
    '3530111333300000',
    '79927398713',
  ])('accepts %s', (n) => expect(luhnValid(n)).toBe(true));

  it.each(['4111111111111112', '79927398710', '1234567812345678', '4', '', '41111111111111x1'])(
    'rejects %j',
    (n) => expect(luhnValid(n)).toBe(false),
  );
});

describe('ibanValid', () => {
  it.each([
    'DE89370400440532013000',
    'GB82WEST12345698765432',
    'FR1420041010050500013M02606',
    'NL91ABNA0417164300',
    'CH9300762011623852957',
    'BE68539007547034',
    'NO9386011117947',
    'DE89 3704 0044 0532 0130 00',
  ])('accepts %s', (iban) => expect(ibanValid(iban)).toBe(true));

  it.each([
    ['DE88370400440532013000', 'check digits'],
    ['DE8937040044053201300', 'length'],
    ['XX89370400440532013000', 'country'],
    ['de89370400440532013000', 'lower case'],
    ['DEAB370400440532013000', 'letters as check digits'],
    ['GB82WEST1234569876543!', 'punctuation'],
  ])('rejects %s (%s)', (iban) => expect(ibanValid(iban)).toBe(false));

  it('knows registered lengths', () => {
    expect(ibanLength('DE')).toBe(22);
    expect(ibanLength('NO')).toBe(15);
    expect(ibanLength('RU')).toBe(33);
    expect(ibanLength('US')).toBeUndefined();
  });
});

describe('cardIssuerPlausible', () => {
  it.each([
    ['4111111111111111', 'Visa 16'],
    ['4222222222222', 'Visa 13'],
    ['5555555555554444', 'Mastercard'],
    ['2221000000000009', 'Mastercard 2-series'],
    ['378282246310005', 'Amex'],
    ['6011111111111117', 'Discover'],
    ['30569309025904', 'Diners 14'],
    ['3530111333300000', 'JCB'],
    ['6200000000000005', 'UnionPay'],
    ['2200000000000004', 'Mir'],
  ])('accepts %s (%s)', (n) => expect(cardIssuerPlausible(n)).toBe(true));

  it.each([
    ['1514038530000', 'epoch ms'],
    ['1700000000123456789', 'epoch ns'],
    ['411111111111111', 'Visa with 15 digits'],
    ['55555555555544', 'Mastercard with 14 digits'],
    ['9999999999999995', 'no network'],
    ['411111111111', 'too short'],
  ])('rejects %s (%s)', (n) => expect(cardIssuerPlausible(n)).toBe(false));
});

describe('cardGroupsPlausible', () => {
  it('accepts printed layouts', () => {
    expect(cardGroupsPlausible(['4111', '1111', '1111', '1111'])).toBe(true);
    expect(cardGroupsPlausible(['4111', '1111', '1111', '1111', '111'])).toBe(true);
    expect(cardGroupsPlausible(['3782', '822463', '10005'])).toBe(true);
    expect(cardGroupsPlausible(['3056', '930902', '5904'])).toBe(true);
  });
  it('rejects other groupings', () => {
    expect(cardGroupsPlausible(['5015', '150454', '240'])).toBe(false);
    expect(cardGroupsPlausible(['41', '11', '11', '11', '11', '11', '11', '11'])).toBe(false);
    expect(cardGroupsPlausible(['41111', '1111', '1111', '111'])).toBe(false);
  });
});

describe('ssnPlausible', () => {
  it('applies the SSA rules', () => {
    expect(ssnPlausible('123', '45', '6789')).toBe(true);
    expect(ssnPlausible('000', '45', '6789')).toBe(false);
    expect(ssnPlausible('666', '45', '6789')).toBe(false);
    expect(ssnPlausible('900', '45', '6789')).toBe(false);
    expect(ssnPlausible('123', '00', '6789')).toBe(false);
    expect(ssnPlausible('123', '45', '0000')).toBe(false);
  });
});

describe('basicCredentialPlausible', () => {
  it('wants printable user:password', () => {
    expect(basicCredentialPlausible(Buffer.from('user:pass').toString('base64'))).toBe(true);
    expect(basicCredentialPlausible(Buffer.from('Hello world!').toString('base64'))).toBe(false);
    expect(basicCredentialPlausible(Buffer.from(':nouser').toString('base64'))).toBe(false);
    expect(basicCredentialPlausible(Buffer.from([0, 1, 2, 58, 200, 201]).toString('base64'))).toBe(false);
    expect(basicCredentialPlausible('abc')).toBe(false);
  });
});
